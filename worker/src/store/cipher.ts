// AES-256-GCM sealing for secrets at rest. The record name is bound as associated data, so a
// ciphertext copied onto another name fails to open instead of leaking a different secret.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class CipherKeyError extends Error {
  override name = 'CipherKeyError';
}

/** Accepts 64 hex characters or base64 of exactly 32 bytes. */
export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new CipherKeyError('encryption key must be 32 bytes: 64 hex characters or base64 (e.g. `openssl rand -hex 32`)');
  }
  return key;
}

export function seal(key: Buffer, name: string, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
}

export function open(key: Buffer, name: string, sealed: string): string {
  const [version, iv, tag, body] = sealed.split(':');
  if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) {
    throw new Error(`secret ${name} is not in a known sealed format`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAAD(Buffer.from(name, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`secret ${name} could not be decrypted: wrong ENCRYPTION_KEY or tampered data`);
  }
}
