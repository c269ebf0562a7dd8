// Files on Salesforce records: ContentVersion inserts streamed as a REST multipart request
// ("Insert or Update Blob Data": an `entity_content` JSON part, then a `VersionData` binary
// part), and the files already on a record.
// Contract:
// - insertContentVersion(sf, file) sends the bytes as they come from `file.open()` and never
//   holds the whole file: memory stays at one chunk. The insert is atomic on Salesforce's side
//   (a cut-off request stores nothing), so an interrupted upload is resumed by sending that
//   file again. A 401 refreshes the session and re-opens the source once (a stream cannot be
//   replayed). Failures are SalesforceErrors of the project vocabulary.
// - filesOn(records, recordId) lists the latest versions linked to a record (through
//   ContentDocumentLink, which Salesforce requires to be filtered by LinkedEntityId), with
//   their SCC_Attachment_Key__c when the org has the field (package versions before it do not:
//   attachmentKeySupported tells, from the cached describe).
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { CALL_OPTIONS_CLIENT, type SalesforceConnection } from './connection.ts';
import { SalesforceError, fromRecordErrors, kindOfCode, toSalesforceError } from './errors.ts';
import type { SalesforceRecords } from './records.ts';
import { chunks, soqlString } from './records.ts';

/** ContentVersion field holding the key of the email attachment a file was saved from. */
export const ATTACHMENT_KEY_FIELD = 'SCC_Attachment_Key__c';

export interface FileToInsert {
  title: string;
  pathOnClient: string;
  firstPublishLocationId: string;
  description?: string;
  contentType?: string;
  /** Written to SCC_Attachment_Key__c: pass it only when attachmentKeySupported is true. */
  attachmentKey?: string;
  /** The bytes, chunk by chunk; called again for a retry. */
  open(): AsyncIterable<Uint8Array>;
}

export interface StoredFile {
  id: string;
  contentDocumentId: string;
  title: string;
  pathOnClient: string;
  description: string;
  /** SCC_Attachment_Key__c, '' when unset or when the org lacks the field. */
  attachmentKey: string;
  size: number;
}

export async function attachmentKeySupported(records: SalesforceRecords): Promise<boolean> {
  return (await records.fieldLimits('ContentVersion')).has(ATTACHMENT_KEY_FIELD);
}

export async function insertContentVersion(sf: SalesforceConnection, file: FileToInsert): Promise<string> {
  const url = `${sf.instanceUrl.replace(/\/+$/, '')}/services/data/v${sf.apiVersion}/sobjects/ContentVersion`;
  const entity = {
    Title: file.title,
    PathOnClient: file.pathOnClient,
    FirstPublishLocationId: file.firstPublishLocationId,
    ...(file.description !== undefined ? { Description: file.description } : {}),
    ...(file.attachmentKey !== undefined ? { [ATTACHMENT_KEY_FIELD]: file.attachmentKey } : {}),
  };
  for (let attempt = 0; ; attempt++) {
    const boundary = `scc-${randomBytes(12).toString('hex')}`;
    const source: { error?: unknown } = {};
    let res;
    try {
      // undici's request() pulls the body only as fast as the socket drains (fetch() does not):
      // that backpressure is what keeps memory at a chunk or two whatever the file size.
      res = await request(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${sf.accessToken()}`,
          'content-type': `multipart/form-data; boundary="${boundary}"`,
          'sforce-call-options': `client=${CALL_OPTIONS_CLIENT}`,
          accept: 'application/json',
        },
        body: Readable.from(multipart(boundary, entity, file, source), { objectMode: false }),
      });
    } catch (error) {
      // The source (Graph) failing mid-stream is its own error, not an upload failure.
      if (source.error !== undefined) throw source.error;
      throw new SalesforceError('temporary', 'UPLOAD_FAILED', `The file upload was cut off: ${(error as Error).message}`);
    }
    const status = res.statusCode;
    const text = await res.body.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (status === 201 || status === 200) {
      const id = (body as { id?: unknown } | undefined)?.id;
      if (typeof id !== 'string') throw new SalesforceError('temporary', 'MISSING_RESULT', 'Salesforce stored the file without returning its id');
      return id;
    }
    const errors = Array.isArray(body) ? (body as Array<{ errorCode?: string; message?: string; fields?: string[] }>) : [];
    const code = errors[0]?.errorCode ?? `HTTP_${status}`;
    if (status === 401 && attempt === 0) {
      await sf.refresh().catch((e: unknown) => {
        throw toSalesforceError(e);
      });
      continue;
    }
    if (errors.length > 0) throw fromRecordErrors(errors);
    throw new SalesforceError(kindOfCode(code, status), code, `Salesforce refused the file (HTTP ${status})`);
  }
}

async function* multipart(boundary: string, entity: Record<string, unknown>, file: FileToInsert, source: { error?: unknown }): AsyncGenerator<Uint8Array> {
  const name = file.pathOnClient.replace(/["\r\n]/g, '_');
  yield Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="entity_content";\r\nContent-Type: application/json\r\n\r\n` +
      `${JSON.stringify(entity)}\r\n` +
      `--${boundary}\r\nContent-Type: ${file.contentType || 'application/octet-stream'}\r\n` +
      `Content-Disposition: form-data; name="VersionData"; filename="${name}"\r\n\r\n`,
  );
  try {
    for await (const chunk of file.open()) yield chunk;
  } catch (error) {
    source.error = error;
    throw error;
  }
  yield Buffer.from(`\r\n--${boundary}--\r\n`);
}

export async function filesOn(records: SalesforceRecords, recordId: string): Promise<StoredFile[]> {
  const docIds: string[] = [];
  for await (const page of records.pages(`SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = ${soqlString(recordId)}`)) {
    for (const r of page) if (typeof r.ContentDocumentId === 'string') docIds.push(r.ContentDocumentId);
  }
  const out: StoredFile[] = [];
  if (docIds.length === 0) return out;
  const withKey = await attachmentKeySupported(records);
  for (const part of chunks([...new Set(docIds)], 100)) {
    const soql =
      `SELECT Id, ContentDocumentId, Title, PathOnClient, Description, ContentSize${withKey ? `, ${ATTACHMENT_KEY_FIELD}` : ''} FROM ContentVersion ` +
      `WHERE ContentDocumentId IN (${part.map(soqlString).join(', ')}) AND IsLatest = true`;
    for await (const page of records.pages(soql)) {
      for (const r of page) {
        out.push({
          id: r.Id,
          contentDocumentId: String(r.ContentDocumentId ?? ''),
          title: String(r.Title ?? ''),
          pathOnClient: String(r.PathOnClient ?? ''),
          description: typeof r.Description === 'string' ? r.Description : '',
          attachmentKey: typeof r[ATTACHMENT_KEY_FIELD] === 'string' ? r[ATTACHMENT_KEY_FIELD] : '',
          size: typeof r.ContentSize === 'number' ? r.ContentSize : 0,
        });
      }
    }
  }
  return out;
}
