// Identifiers shaped like Exchange's: long base64 strings (URL-safe here so they travel in paths
// unescaped), change keys, GUIDs. Randomness comes from one seeded generator per emulator so a
// run can be reproduced.
import { randomBytes } from 'node:crypto';

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
