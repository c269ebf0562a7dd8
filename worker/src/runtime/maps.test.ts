// The runtime's contact and task maps: Salesforce → neutral → Graph → neutral is a fixpoint,
// patches carry only what they patch, and the address travels as one value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashFields } from '../core/hash.ts';
import type { SfRecord } from '../salesforce/records.ts';
import { contactSalesforceMap, contactToFields, contactToGraph } from './contact-map.ts';
import { taskSalesforceMap, taskToFields, taskToGraph } from './task-map.ts';

const text = fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: null });

describe('contact map', () => {
  it('Salesforce → Exchange → neutral keeps every mapped field (hashes agree)', () => {
    fc.assert(
      fc.property(
        fc.record({ FirstName: text, LastName: fc.string({ minLength: 1, maxLength: 20 }), Title: text, Department: text, Email: text, Phone: text, MobilePhone: text, HomePhone: text, MailingStreet: text, MailingCity: text, MailingState: text, MailingPostalCode: text, MailingCountry: text, Description: text }),
        (raw) => {
          const fields = contactSalesforceMap.toFields({ Id: '003000000000001AAA', ...raw } as SfRecord);
          const item = { id: 'x', ...contactToGraph(fields, 'create') };
          const back = contactToFields(item);
          expect(hashFields(back)).toBe(hashFields(fields));
          const sf = contactSalesforceMap.toFields({ Id: '003000000000001AAA', ...contactSalesforceMap.toRecord(back) } as SfRecord);
          expect(hashFields(sf)).toBe(hashFields(fields));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a patch sends only the patched properties, the whole address when a line changed', () => {
    expect(contactToGraph({ title: 'CEO' }, 'update')).toEqual({ jobTitle: 'CEO' });
    expect(contactToGraph({ address: { city: 'Paris', street: '1 Rue' } }, 'update')).toEqual({
      businessAddress: { street: '1 Rue', city: 'Paris', state: '', postalCode: '', countryOrRegion: '' },
    });
    expect(contactSalesforceMap.toRecord({ title: null })).toEqual({ Title: null });
  });
});

describe('task map', () => {
  it('Salesforce → Exchange → neutral keeps every mapped field', () => {
    fc.assert(
      fc.property(
        fc.record({
          Subject: fc.string({ minLength: 1, maxLength: 20 }),
          Description: text,
          ActivityDate: fc.option(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)), { nil: null }),
          Status: fc.constantFrom('Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'),
          Priority: fc.constantFrom('High', 'Normal', 'Low'),
        }),
        (raw) => {
          const fields = taskSalesforceMap.toFields({ Id: '00T000000000001AAA', ...raw } as SfRecord);
          const back = taskToFields({ id: 'x', ...taskToGraph(fields, 'create') });
          expect(back).toEqual(fields);
          expect(taskSalesforceMap.toFields({ Id: '00T000000000001AAA', ...taskSalesforceMap.toRecord(back) } as SfRecord)).toEqual(fields);
        },
      ),
      { numRuns: 200 },
    );
  });
});
