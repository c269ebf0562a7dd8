// $filter parsing: Graph's documented lambda forms, with and without a space after the colon.
import { describe, expect, it } from 'vitest';
import { parseFilter, requiredProperty } from './query.ts';

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

describe('requiredProperty (the stamp lookup the property index answers)', () => {
  const ID = 'String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name SalesforceId';
  it.each([
    `singleValueExtendedProperties/any(ep: ep/id eq '${ID}' and ep/value eq '003x')`,
    `singleValueExtendedProperties/any(p:p/value eq '003x' and p/id eq '${ID}')`,
    `givenName eq 'Fay' and singleValueExtendedProperties/any(ep: ep/id eq '${ID}' and ep/value eq '003x')`,
  ])('is found in %s', (filter) => {
    expect(requiredProperty(filter)).toEqual({ id: ID, value: '003x' });
  });

  it.each([
    `givenName eq 'Fay' or singleValueExtendedProperties/any(ep: ep/id eq '${ID}' and ep/value eq '003x')`,
    `not singleValueExtendedProperties/any(ep: ep/id eq '${ID}' and ep/value eq '003x')`,
    `singleValueExtendedProperties/any(ep: ep/id eq '${ID}' or ep/value eq '003x')`,
    `singleValueExtendedProperties/any(ep: ep/id eq '${ID}' and ep/value ne '003x')`,
    `singleValueExtendedProperties/any(ep: other/id eq '${ID}' and ep/value eq '003x')`,
  ])('is not required by %s', (filter) => {
    expect(requiredProperty(filter)).toBeUndefined();
  });
});
