import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, hashFields, sha256Hex } from './hash.ts';

describe('hash', () => {
  it('matches node:crypto SHA-256 on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(sha256Hex(s)).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
      }),
      { numRuns: 200 },
    );
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  it('ignores key order and treats null as absent', () => {
    expect(hashFields({ a: 1, b: 'x', c: null })).toBe(hashFields({ b: 'x', a: 1 }));
    expect(canonicalJson({ z: [1, { y: 2, x: 1 }] })).toBe('{"z":[1,{"x":1,"y":2}]}');
  });
});
