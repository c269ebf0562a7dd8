// Contacts and tasks on the core maps as the runtime binds them: Salesforce → Outlook →
// Salesforce is a fixpoint through the connector-facing maps, patches carry only what they
// patch, describe limits cut and report, and map reports read as sentences.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashFields } from '../core/hash.ts';
import type { MapIssue } from '../core/limits.ts';
import type { SfRecord } from '../salesforce/records.ts';
import { contactMaps, issueMessage, taskMaps } from './record-sides.ts';

const text = fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 .'-]{0,18}[A-Za-z0-9]$/), { nil: null });

describe('contact maps', () => {
  const maps = contactMaps({ LastName: 80 }, 'Salesforce');
  it('Salesforce → Outlook → Salesforce keeps every mapped field (hashes agree)', () => {
    fc.assert(
      fc.property(
        fc.record({ FirstName: text, LastName: fc.stringMatching(/^[A-Za-z]{1,20}$/), Title: text, Department: text, Phone: text, MobilePhone: text, HomePhone: text, Fax: text, MailingStreet: text, MailingCity: text, MailingState: text, MailingPostalCode: text, MailingCountry: text, Description: text }),
        (raw) => {
          const fields = maps.salesforce.toFields({ Id: '003000000000001AAA', ...raw } as SfRecord);
          const item = { id: 'x', ...maps.toExchange(fields, []) };
          const back = maps.fromExchange(item);
          expect(hashFields(back)).toBe(hashFields(fields));
          const sf = maps.salesforce.toFields({ Id: '003000000000001AAA', ...maps.salesforce.toRecord(back) } as SfRecord);
          expect(hashFields(sf)).toBe(hashFields(fields));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads Account.Name and never writes it; a patch writes only what it names', () => {
    expect(maps.salesforce.fields).toContain('Account.Name');
    expect(maps.salesforce.toFields({ Id: '003000000000001AAA', LastName: 'Lee', Account: { Name: 'Acme' } } as SfRecord)).toEqual({ lastName: 'Lee', accountName: 'Acme' });
    expect(maps.salesforce.toRecord({ title: null, accountName: 'Acme' })).toEqual({ Title: null });
    expect(maps.exchangePatch({ title: 'CEO' }, {}, [])).toEqual({ jobTitle: 'CEO' });
  });

  it('a 100-character last name is cut to 80 and reported in words', () => {
    const issues: MapIssue[] = [];
    expect(maps.salesforcePatch({ lastName: 'x'.repeat(100) }, issues).LastName).toHaveLength(80);
    expect(issueMessage('contact', issues[0]!, 'Salesforce')).toMatch(/^Contact LastName was longer than Salesforce allows and was shortened/);
  });
});

describe('task maps', () => {
  it('Salesforce → To Do → Salesforce keeps every mapped field in the user zone', () => {
    const maps = taskMaps({}, 'Salesforce', 'Europe/Berlin');
    fc.assert(
      fc.property(
        fc.record({
          Subject: fc.stringMatching(/^[A-Za-z]{1,20}$/),
          Description: text,
          ActivityDate: fc.option(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 0, 1) }).map((ms) => new Date(ms).toISOString().slice(0, 10)), { nil: null }),
          Status: fc.constantFrom('Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'),
          Priority: fc.constantFrom('High', 'Normal', 'Low'),
        }),
        (raw) => {
          const fields = maps.salesforce.toFields({ Id: '00T000000000001AAA', ...raw } as SfRecord);
          const back = maps.fromExchange({ id: 'x', ...maps.toExchange(fields, []) });
          expect(back).toEqual(fields);
          expect(maps.salesforce.toFields({ Id: '00T000000000001AAA', ...maps.salesforce.toRecord(back) } as SfRecord)).toEqual(fields);
        },
      ),
      { numRuns: 200 },
    );
  });
});
