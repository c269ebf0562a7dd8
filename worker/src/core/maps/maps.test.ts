// Round-trip fidelity of the field maps: Salesforce → Exchange → Salesforce is a fixpoint
// on the mapped fields (fast-check), plus limits and invalid addresses reported.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MapIssue } from '../limits.ts';
import { WINDOWS_TO_IANA } from '../timezones.ts';
import * as contact from './contact.ts';
import * as email from './email.ts';
import * as event from './event.ts';
import * as task from './task.ts';

const word = fc.stringMatching(/^[A-Za-zÀ-ÿ0-9][A-Za-zÀ-ÿ0-9 .'-]{0,20}[A-Za-z0-9]$/);
const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null });
const address = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9.]{0,8}$/), fc.stringMatching(/^[a-z]{2,8}$/)).map(([l, d]) => `${l}@${d}.com`);
const date = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2035, 0, 1) }).map((ms) => new Date(ms).toISOString().slice(0, 10));
const minute = fc.integer({ min: Date.UTC(2020, 0, 1) / 60000, max: Date.UTC(2030, 0, 1) / 60000 }).map((m) => new Date(m * 60000).toISOString());
const zone = fc.constantFrom(...Object.keys(WINDOWS_TO_IANA), 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo');

describe('contact map', () => {
  const record = fc.record({
    Salutation: opt(fc.constantFrom('Mr.', 'Ms.', 'Dr.')),
    FirstName: opt(word),
    LastName: word,
    Title: opt(word),
    Department: opt(word),
    Email: opt(address),
    Phone: opt(fc.stringMatching(/^\+?[0-9 ]{3,15}[0-9]$/)),
    MobilePhone: opt(fc.stringMatching(/^[0-9]{4,12}$/)),
    HomePhone: opt(fc.stringMatching(/^[0-9]{4,12}$/)),
    Fax: opt(fc.stringMatching(/^[0-9]{4,12}$/)),
    MailingStreet: opt(word),
    MailingCity: opt(word),
    MailingState: opt(word),
    MailingPostalCode: opt(fc.stringMatching(/^[0-9]{5}$/)),
    MailingCountry: opt(word),
    Birthdate: opt(date),
    Description: opt(fc.string({ minLength: 1, maxLength: 200 })),
    Account: opt(fc.record({ Name: word })),
  });
  it('Salesforce → Exchange → Salesforce is a fixpoint', () => {
    fc.assert(
      fc.property(record, (r) => {
        const issues: MapIssue[] = [];
        const fields = contact.fromSalesforce(r);
        const back = contact.fromExchange(contact.toExchange(fields, 'Salesforce', issues));
        expect(back).toEqual(fields);
        const sf = contact.toSalesforce(back, {}, issues);
        expect(contact.fromSalesforce({ ...sf, Account: r.Account })).toEqual(fields);
        expect(issues).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
  it('over-long values are cut by describe limits and reported; invalid emails are not sent', () => {
    const issues: MapIssue[] = [];
    const sf = contact.toSalesforce({ lastName: 'Lee😀😀', email: 'not an email' }, { LastName: 4 }, issues);
    expect(sf.LastName).toBe('Lee');
    expect(sf.Email).toBeNull();
    expect(issues.map((i) => i.code).sort()).toEqual(['invalid-email', 'truncated']);
    expect(JSON.stringify(issues)).not.toContain('not an email');
  });
});

describe('task map', () => {
  const record = fc.record({
    Subject: word,
    Description: opt(fc.string({ minLength: 1, maxLength: 200 })),
    ActivityDate: opt(date),
    Status: fc.constantFrom(...Object.keys(task.STATUS_TO_GRAPH)),
    Priority: fc.constantFrom('High', 'Normal', 'Low'),
    IsReminderSet: fc.boolean(),
    ReminderDateTime: minute,
  });
  it('Salesforce → To Do → Salesforce is a fixpoint in any user time zone', () => {
    fc.assert(
      fc.property(record, zone, (r, z) => {
        const issues: MapIssue[] = [];
        const fields = task.fromSalesforce(r);
        const back = task.fromExchange(task.toExchange(fields, z, 'Salesforce', issues), z);
        expect(back).toEqual(fields);
        expect(task.fromSalesforce(task.toSalesforce(back, {}, issues))).toEqual(fields);
        expect(issues).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
  it('every standard status maps to its To Do value', () => {
    expect(task.toExchange({ status: 'Waiting on someone else' }, 'UTC', 'Salesforce', []).status).toBe('waitingOnOthers');
    const issues: MapIssue[] = [];
    expect(task.toExchange({ status: 'Custom' }, 'UTC', 'Salesforce', issues).status).toBe('notStarted');
    expect(issues[0]?.code).toBe('unmapped-value');
  });
});

describe('event map', () => {
  const mask = fc.integer({ min: 1, max: 127 });
  const recurrence = fc.oneof(
    fc.constant({}),
    fc.record({ RecurrenceType: fc.constant('RecursDaily'), RecurrenceInterval: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ RecurrenceType: fc.constant('RecursEveryWeekday') }),
    fc.record({ RecurrenceType: fc.constant('RecursWeekly'), RecurrenceInterval: fc.integer({ min: 1, max: 3 }), RecurrenceDayOfWeekMask: mask }),
    fc.record({ RecurrenceType: fc.constant('RecursMonthly'), RecurrenceInterval: fc.integer({ min: 1, max: 3 }), RecurrenceDayOfMonth: fc.integer({ min: 1, max: 28 }) }),
    fc.record({ RecurrenceType: fc.constant('RecursMonthlyNth'), RecurrenceInterval: fc.integer({ min: 1, max: 3 }), RecurrenceDayOfWeekMask: mask, RecurrenceInstance: fc.constantFrom('First', 'Second', 'Third', 'Fourth', 'Last') }),
    fc.record({ RecurrenceType: fc.constant('RecursYearly'), RecurrenceDayOfMonth: fc.integer({ min: 1, max: 28 }), RecurrenceMonthOfYear: fc.constantFrom('January', 'June', 'December') }),
    fc.record({ RecurrenceType: fc.constant('RecursYearlyNth'), RecurrenceDayOfWeekMask: mask, RecurrenceInstance: fc.constantFrom('First', 'Last'), RecurrenceMonthOfYear: fc.constantFrom('March', 'November') }),
  );
  const record = fc
    .record({
      Subject: word,
      Location: opt(word),
      Description: opt(fc.string({ minLength: 1, maxLength: 100 })),
      start: minute,
      minutes: fc.integer({ min: 15, max: 600 }),
      allDay: fc.boolean(),
      days: fc.integer({ min: 0, max: 4 }),
      IsPrivate: fc.boolean(),
      ShowAs: fc.constantFrom('Busy', 'Free', 'OutOfOffice'),
      reminder: opt(fc.integer({ min: 0, max: 1440 })),
      attendees: fc.array(address, { maxLength: 3 }),
      recurrence,
      endDate: opt(date),
      tz: opt(fc.constantFrom(...Object.values(WINDOWS_TO_IANA))),
    })
    .map((g): event.SalesforceEvent => {
      const day = g.start.slice(0, 10);
      const start = g.allDay ? `${day}T00:00:00.000Z` : g.start;
      const end = g.allDay ? `${new Date(Date.parse(start) + g.days * 86400000).toISOString().slice(0, 10)}T00:00:00.000Z` : new Date(Date.parse(start) + g.minutes * 60000).toISOString();
      const recurring = 'RecurrenceType' in g.recurrence;
      return {
        Subject: g.Subject,
        Location: g.Location,
        Description: g.Description,
        IsAllDayEvent: g.allDay,
        StartDateTime: start,
        EndDateTime: end,
        ActivityDate: day,
        IsPrivate: g.IsPrivate,
        ShowAs: g.ShowAs,
        IsReminderSet: g.reminder !== null,
        ReminderDateTime: g.reminder !== null ? new Date(Date.parse(start) - g.reminder * 60000).toISOString() : null,
        attendees: g.attendees,
        IsRecurrence: recurring,
        ...(recurring ? { ...g.recurrence, RecurrenceStartDateTime: start, RecurrenceEndDateOnly: g.endDate, RecurrenceTimeZoneSidKey: g.tz } : {}),
      };
    });
  it('Salesforce → Exchange → Salesforce is a fixpoint (timed, all-day, recurring)', () => {
    fc.assert(
      fc.property(record, (r) => {
        const issues: MapIssue[] = [];
        const fields = event.fromSalesforce(r);
        const back = event.fromExchange(event.toExchange(fields, 'Salesforce'));
        expect(back).toEqual(fields);
        expect(event.fromSalesforce({ ...event.toSalesforce(back, {}, issues), attendees: r.attendees ?? [] })).toEqual(fields);
        expect(issues).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
  it('reads an Outlook event in a Windows zone as the right instant, and an all-day end as exclusive', () => {
    const timed = event.fromExchange({ subject: 'x', start: { dateTime: '2026-07-01T09:00:00.0000000', timeZone: 'W. Europe Standard Time' }, end: { dateTime: '2026-07-01T10:00:00.0000000', timeZone: 'W. Europe Standard Time' } });
    expect(timed.start).toBe('2026-07-01T07:00:00.000Z');
    const allDay = event.fromExchange({ subject: 'x', isAllDay: true, start: { dateTime: '2026-07-01T00:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2026-07-02T00:00:00.0000000', timeZone: 'UTC' } });
    expect([allDay.startDate, allDay.endDate]).toEqual(['2026-07-01', '2026-07-01']);
    expect(event.maskToDays(2 | 32)).toEqual(['monday', 'friday']);
  });
});

describe('email map', () => {
  it('a filed message becomes a completed email task keyed by its message id', () => {
    const issues: MapIssue[] = [];
    const fields = email.fromExchange(
      {
        subject: 'Quote',
        body: { contentType: 'html', content: '<p>Hi</p>' },
        from: { emailAddress: { address: 'Ann@X.com' } },
        toRecipients: [{ emailAddress: { address: 'bob@y.com' } }, { emailAddress: { address: 'broken' } }],
        sentDateTime: '2026-01-01T23:30:00Z',
        internetMessageId: '<m1@x.com>',
        hasAttachments: true,
      },
      'Europe/Berlin',
      (html) => html.replace(/<[^>]+>/g, ''),
      issues,
    );
    expect(fields).toMatchObject({ subject: 'Email: Quote', status: 'Completed', taskSubtype: 'Email', dueDate: '2026-01-02', participants: ['ann@x.com', 'bob@y.com'], hasAttachments: true });
    expect(String(fields.description)).toContain('Hi');
    expect(fields.messageKey).toMatch(/^[0-9a-f]{64}$/);
    expect(issues.map((i) => i.code)).toEqual(['invalid-email']);
    expect(email.toSalesforce(fields, { Subject: 8 }, issues)).toMatchObject({ Subject: 'Email: Q', TaskSubtype: 'Email', Status: 'Completed' });
  });
});
