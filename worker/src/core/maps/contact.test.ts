// The contact map's update path: a patch writes only what it names, on both sides, and an
// over-long value is cut by describe limits and reported.
import { describe, expect, it } from 'vitest';
import type { MapIssue } from '../limits.ts';
import { FAX_PROPERTY, exchangePatch, fromExchange, salesforcePatch, toExchange } from './contact.ts';

describe('contact patches', () => {
  it('a Salesforce patch names only the patched fields; a cleared field is null; Account.Name is never written', () => {
    const issues: MapIssue[] = [];
    expect(salesforcePatch({ title: 'CEO', phone: null, accountName: 'Acme' }, {}, issues)).toEqual({ Title: 'CEO', Phone: null });
    expect(issues).toEqual([]);
  });

  it('a 100-character last name is cut to the describe limit of 80 and reported', () => {
    const issues: MapIssue[] = [];
    const out = salesforcePatch({ lastName: 'L'.repeat(100) }, { LastName: 80 }, issues);
    expect(out.LastName).toHaveLength(80);
    expect(issues).toEqual([expect.objectContaining({ field: 'LastName', code: 'truncated' })]);
  });

  it('an Exchange patch sends only the touched properties, the whole address when one line changed', () => {
    const current = { lastName: 'Lee', mailingStreet: '1 Main St', mailingCity: 'Springfield', email: 'lee@example.com' };
    expect(exchangePatch({ title: 'CEO' }, current, [])).toEqual({ jobTitle: 'CEO' });
    expect(exchangePatch({ mailingCity: 'Shelbyville' }, current, [])).toEqual({
      businessAddress: { street: '1 Main St', city: 'Shelbyville', state: null, postalCode: null, countryOrRegion: null },
    });
  });

  it('a renamed contact gets its displayName and email entry renamed too', () => {
    const patch = exchangePatch({ firstName: 'Ann' }, { lastName: 'Lee', email: 'lee@example.com' }, []);
    expect(patch).toEqual({ givenName: 'Ann', displayName: 'Ann Lee', emailAddresses: [{ address: 'lee@example.com', name: 'Ann Lee' }] });
  });

  it('a cleared Account.Name leaves the Outlook company alone', () => {
    expect(exchangePatch({ accountName: null }, { lastName: 'Lee', accountName: 'Acme' }, [])).toEqual({});
    expect(exchangePatch({ accountName: 'Initech' }, { lastName: 'Lee' }, [])).toEqual({ companyName: 'Initech' });
  });

  it('creates carry a displayName; fax is read whatever the case of its property id', () => {
    expect(toExchange({ firstName: 'Ann', lastName: 'Lee' }, 'Salesforce', []).displayName).toBe('Ann Lee');
    expect(fromExchange({ singleValueExtendedProperties: [{ id: FAX_PROPERTY.toLowerCase(), value: '555' }] })).toEqual({ fax: '555' });
  });
});
