// The email map's pure parts: relations (owner excluded, contact over lead, one lead or up to
// 50 contacts, unambiguous account), the attachment plan (inline, size, non-file, stable keys)
// and the truncation note (code points, never over the limit, surrogate pairs intact).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MapIssue } from '../limits.ts';
import { MAX_TASK_CONTACTS, exchangeKey, messageAddresses, planAttachments, relate, withTruncationNote, type AttachmentInfo, type MatchCandidate } from './email.ts';

const contact = (id: string, email: string, accountId: string | null = 'A1'): MatchCandidate => ({ id, email, type: 'Contact', accountId });
const lead = (id: string, email: string): MatchCandidate => ({ id, email, type: 'Lead' });

describe('relations', () => {
  it('sender first, then To and Cc, each address once, lower-cased', () => {
    expect(
      messageAddresses({
        from: { emailAddress: { address: 'Ann@X.com' } },
        toRecipients: [{ emailAddress: { address: 'bob@x.com' } }, { emailAddress: { address: 'ann@x.com' } }],
        ccRecipients: [{ emailAddress: { address: 'cy@y.com' } }],
      }),
    ).toEqual(['ann@x.com', 'bob@x.com', 'cy@y.com']);
  });

  it("the owner's addresses never match; the first matched contact is the WhoId, the rest are relations", () => {
    const r = relate(['me@corp.com', 'bob@x.com', 'ann@x.com'], ['ME@corp.com'], [contact('C1', 'ann@x.com'), contact('C2', 'bob@x.com'), contact('C9', 'me@corp.com')]);
    expect(r).toMatchObject({ whoId: 'C2', others: ['C1'], whatId: 'A1', unmatched: [] });
  });

  it('a contact wins over a lead with the same address; contacts and leads are never mixed', () => {
    const r = relate(['ann@x.com', 'lea@y.com'], [], [lead('L1', 'ann@x.com'), contact('C1', 'ann@x.com'), lead('L2', 'lea@y.com')]);
    expect(r).toMatchObject({ whoId: 'C1', others: [], unrelated: ['L2'] });
  });

  it('leads only: one lead, no account', () => {
    const r = relate(['lea@y.com', 'lou@y.com'], [], [lead('L1', 'lea@y.com'), lead('L2', 'lou@y.com')]);
    expect(r).toMatchObject({ whoId: 'L1', others: [], whatId: null, unrelated: ['L2'] });
  });

  it('contacts of two accounts leave WhatId empty; no match at all is reported', () => {
    expect(relate(['a@x.com', 'b@y.com'], [], [contact('C1', 'a@x.com', 'A1'), contact('C2', 'b@y.com', 'A2')]).whatId).toBeNull();
    expect(relate(['z@z.com'], [], [])).toMatchObject({ whoId: null, others: [], unmatched: ['z@z.com'] });
  });

  it('at most 50 contacts are related', () => {
    const many = Array.from({ length: 60 }, (_, i) => contact(`C${String(i).padStart(2, '0')}`, `p${i}@x.com`));
    const r = relate(many.map((c) => c.email), [], many);
    expect(1 + r.others.length).toBe(MAX_TASK_CONTACTS);
    expect(r.unrelated).toHaveLength(10);
  });
});

describe('attachment plan', () => {
  const att = (over: Partial<AttachmentInfo>): AttachmentInfo => ({ id: 'x', name: 'a.pdf', contentType: 'application/pdf', size: 10, isInline: false, odataType: '#microsoft.graph.fileAttachment', ...over });

  it('skips inline images by default, items and links always, oversize files with a reason', () => {
    const plan = planAttachments(
      [att({ name: 'logo.png', isInline: true }), att({ name: 'fwd.eml', odataType: '#microsoft.graph.itemAttachment' }), att({ name: 'big.zip', size: 2000 }), att({ name: 'ok.pdf' })],
      { includeInline: false, maxBytes: 1000 },
    );
    expect(plan.files.map((f) => f.name)).toEqual(['ok.pdf']);
    expect(plan.skipped.map((s) => s.name)).toEqual(['fwd.eml', 'big.zip']);
    expect(plan.skipped[1]!.reason).toContain('2000 bytes');
    expect(planAttachments([att({ name: 'logo.png', isInline: true })], { includeInline: true, maxBytes: 1000 }).files).toHaveLength(1);
  });

  it('keys depend on what the file is, not on Graph ids; identical twins get distinct keys', () => {
    const one = planAttachments([att({ id: 'g1' }), att({ id: 'g2' })], { includeInline: false, maxBytes: 1e9 }).files;
    const again = planAttachments([att({ id: 'other1' }), att({ id: 'other2' })], { includeInline: false, maxBytes: 1e9 }).files;
    expect(one.map((f) => f.key)).toEqual(again.map((f) => f.key));
    expect(new Set(one.map((f) => f.key)).size).toBe(2);
  });
});

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('description truncation', () => {
  it('a long body ends with a visible note and fits the limit', () => {
    const issues: MapIssue[] = [];
    const out = withTruncationNote('y'.repeat(100_000), 32_000, issues);
    expect(out.length).toBeLessThanOrEqual(32_000);
    expect(out).toMatch(/\[Truncated by SmartCloud Connect: \d+ of 100000 characters omitted; the full email is in Outlook\.\]$/);
    expect(issues.map((i) => i.code)).toEqual(['truncated']);
    expect(withTruncationNote('short', 32_000, [])).toBe('short');
  });

  it('never exceeds the limit and never splits a surrogate pair (any text, any limit)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer({ min: 0, max: 300 }), (text, max) => {
        const out = withTruncationNote(text, max, []);
        expect(out.length).toBeLessThanOrEqual(Math.max(max, text.length <= max ? text.length : 0));
        expect(out).not.toMatch(LONE_SURROGATE);
      }),
    );
  });

  it('the Task key is email:<sha256 of the Internet message id>', () => {
    expect(exchangeKey('<a@b>')).toMatch(/^email:[0-9a-f]{64}$/);
    expect(exchangeKey('<a@b>')).toBe(exchangeKey('<a@b>'));
  });
});
