// multipart/form-data bodies of the REST blob inserts ("Insert or Update Blob Data"): the first
// part is the record as JSON (`entity_content` for ContentVersion, `entity_document`, …), a
// later part carries the binary of a blob field, named after the field (VersionData, Body).
// parseBlobRequest(contentType, body) → the record with the blob as base64, as a JSON insert
// would carry it, so the rest of the emulator sees one shape; undefined if not multipart.
export function parseBlobRequest(contentType: string | undefined, body: Buffer): Record<string, unknown> | undefined {
  const type = contentType ?? '';
  if (!/^multipart\/form-data/i.test(type)) return undefined;
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!boundary) throw new Error('multipart/form-data without a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: string; data: Buffer }> = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new Error('multipart body without its closing boundary');
    const part = body.subarray(start, next);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) throw new Error('multipart part without headers');
    // The part's data ends before the CRLF that precedes the next delimiter.
    const end = part.subarray(part.length - 2).toString() === '\r\n' ? part.length - 2 : part.length;
    parts.push({ headers: part.subarray(0, split).toString('utf8'), data: part.subarray(split + 4, end) });
    at = next;
  }
  const nameOf = (headers: string): string => /name="([^"]*)"/i.exec(headers)?.[1] ?? '';
  const entity = parts.find((p) => nameOf(p.headers).startsWith('entity_'));
  if (!entity) throw new Error('multipart body without an entity_* JSON part');
  const record = JSON.parse(entity.data.toString('utf8')) as Record<string, unknown>;
  for (const p of parts) {
    if (p === entity) continue;
    record[nameOf(p.headers)] = p.data.toString('base64');
  }
  return record;
}
