// Identifiers shaped like Exchange's: long base64 strings (URL-safe here so they travel in paths
// unescaped), change keys, GUIDs. Random bytes come from a pooled buffer refilled 64 KB at a
// time: one crypto call per id was the emulator's hottest path.
import { randomFillSync } from 'node:crypto';

const POOL = Buffer.allocUnsafe(64 * 1024);
let used = POOL.length;
function randomBytes(n: number): Buffer {
  if (used + n > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  const out = Buffer.from(POOL.subarray(used, used + n));
  used += n;
  return out;
}

export function guid(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An Exchange-style item id: "AAMkA" + base64url payload + "=" (about 150 chars like the real ones). */
export function itemId(prefix = 'AAMkA'): string {
  return prefix + randomBytes(105).toString('base64url') + '=';
}

export function changeKey(): string {
  return 'CQAAABYAAA' + randomBytes(18).toString('base64url');
}

export function opaque(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
