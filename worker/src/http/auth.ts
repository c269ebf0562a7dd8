// Bearer-token check for the Worker API. Both tokens are hashed with SHA-256 first so the
// comparison is constant-time and length-independent (timingSafeEqual needs equal lengths).
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function bearerMatches(header: string | undefined, expected: string): boolean {
  if (!header || expected === '') return false;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  const provided = match?.[1] ?? '';
  const ok = timingSafeEqual(digest(provided), digest(expected));
  return ok && provided !== '';
}

export { clientStateMatches } from '../client-state.ts';
