// $filter parsing: Graph's documented lambda forms, with and without a space after the colon.
import { describe, expect, it } from 'vitest';
import { parseFilter } from './query.ts';

const contact = (categories: string[]) => ({ categories, createdDateTime: '2026-03-01T10:00:00Z' });

describe('$filter', () => {
  it.each([
    "categories/any(c:c eq 'Salesforce')",
    "categories/any(c: c eq 'Salesforce')",
  ])('lambda any() matches: %s', (filter) => {
    const test = parseFilter(filter);
    expect(test(contact(['Salesforce']))).toBe(true);
    expect(test(contact(['Other']))).toBe(false);
  });

  it('keeps the colons of a date-time literal', () => {
    const test = parseFilter('createdDateTime ge 2026-03-01T09:00:00Z');
    expect(test(contact([]))).toBe(true);
  });
});
