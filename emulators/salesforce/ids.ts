// Salesforce record ids: 3-char key prefix + 12-char body (15, case-sensitive) + 3-char
// checksum suffix (18, case-insensitive). Generators are per org so ids are deterministic.
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 3-character suffix Salesforce derives from the upper-case pattern of a 15-char id. */
export function checksum(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += SUFFIX[bits];
  }
  return out;
}

export function to18(id: string): string {
  if (id.length === 18) return id.slice(0, 15) + checksum(id.slice(0, 15));
  return id + checksum(id);
}

const ID_SHAPE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** Normalises a 15- or 18-char id to 18 chars; undefined when the text is not id-shaped. */
export function normalizeId(text: unknown): string | undefined {
  if (typeof text !== 'string' || !ID_SHAPE.test(text)) return undefined;
  const id18 = to18(text.slice(0, 15));
  // An 18-char id whose suffix does not match its body is not a Salesforce id.
  if (text.length === 18 && text.slice(15).toUpperCase() !== id18.slice(15)) return undefined;
  return id18;
}

/** Makes ids `<prefix><pod 2 chars>0<9-char counter>` in creation order. */
export function createIdFactory(pod = '5g'): (prefix: string) => string {
  const counters = new Map<string, number>();
  return (prefix) => {
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    let body = '';
    let v = n;
    for (let i = 0; i < 9; i++) {
      body = BASE62[v % 62] + body;
      v = Math.floor(v / 62);
    }
    return to18(prefix + pod + '0' + body);
  };
}
