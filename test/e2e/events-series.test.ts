// End to end on the local stack: single occurrences of a series created in Salesforce, both ways.
// An occurrence row edited or deleted in Salesforce becomes an exception or a cancelled
// occurrence of the Outlook series we wrote; an exception or cancelled occurrence made in Outlook
// reaches its occurrence row. A series that became a meeting in Outlook is never changed there.
// Runs are driven with runtime.runMailbox, so every step is deterministic (no sleeps).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { linkStoreOf } from '../../worker/src/store/link-store.ts';
import { sfQuery, stampOf, type Json } from './helpers.ts';

const DAY = 86_400_000;
let stack: LocalStack;
let m1: StackMailbox;

const run = async (m: StackMailbox) => {
  const result = await stack.runtime.runMailbox(m.mailboxSyncId, 'sync-now');
  expect(result.ok).toBe(true);
  return result;
};
const events = (m: StackMailbox): Json[] => stack.graph.admin.items(m.address, 'event') as Json[];
const byStamp = (m: StackMailbox, id: string): Json[] => events(m).filter((e) => stampOf(e) === id);
const iso = (v: unknown): string => new Date(String(v).replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString();
const date = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const users = (m: StackMailbox) => `/users/${encodeURIComponent(m.address)}`;
const utc = (dt: Json): string => new Date(`${String(dt.dateTime).slice(0, 19)}Z`).toISOString();

/** A future Monday (UTC date) at least `weeks` weeks ahead. */
function mondayIn(weeks: number): string {
  const now = Date.now() + weeks * 7 * DAY;
  return date(now + ((8 - new Date(now).getUTCDay()) % 7) * DAY);
}

async function instancesOf(m: StackMailbox, id: string, first: string): Promise<Json[]> {
  const to = `${date(Date.parse(first) + 30 * DAY)}T00:00:00Z`;
  return (await stack.client.get<{ value: Json[] }>(`${users(m)}/events/${encodeURIComponent(id)}/instances?startDateTime=${first}T00:00:00Z&endDateTime=${to}`)).value;
}
const rowsOf = (masterId: string): Json[] =>
  sfQuery(stack, `SELECT Id, Subject, Location, StartDateTime, EndDateTime FROM Event WHERE RecurrenceActivityId = '${masterId}' AND Id != '${masterId}' ORDER BY StartDateTime`);
const skippedEvents = async (): Promise<string[]> =>
  (await stack.store.listIssues(m1.mailboxSyncId, { open: true })).filter((i) => i.kind === 'Skipped' && i.objectType === 'Event').map((i) => i.message);

const openErrorsOf = async (rowId: string) => (await stack.store.listIssues(m1.mailboxSyncId, { open: true })).filter((i) => i.kind === 'Error' && i.salesforceId === rowId);

/** A Salesforce weekly series on Monday and Wednesday for two weeks (four occurrences), synced. */
async function salesforceSeries(subject: string, first: string, hour: string): Promise<{ id: string; seriesId: string }> {
  const start = `${first}T${hour}:00:00.000Z`;
  const id = stack.salesforce.admin.insert('Event', {
    Subject: subject, StartDateTime: start, EndDateTime: new Date(Date.parse(start) + 30 * 60_000).toISOString(), ActivityDateTime: start, DurationInMinutes: 30,
    OwnerId: m1.salesforceUserId, IsRecurrence: true, RecurrenceType: 'RecursWeekly', RecurrenceInterval: 1, RecurrenceDayOfWeekMask: 2 | 8,
    RecurrenceStartDateTime: start, RecurrenceEndDateOnly: date(Date.parse(first) + 13 * DAY),
  });
  await run(m1);
  const [series] = byStamp(m1, id);
  expect(series?.recurrence).toBeTruthy();
  return { id, seriesId: String(series!.id) };
}

beforeAll(async () => {
  stack = await startLocalStack({
    seed: { salesforce: 'none', mailboxes: 1, mailboxSync: { Sync_Events__c: true, Events_Direction__c: 'Both', Sync_Contacts__c: false, Sync_Tasks__c: false, Events_Private__c: 'Sync' } },
    start: false,
  });
  [m1] = stack.mailboxes as [StackMailbox];
  await run(m1);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('a single occurrence of a Salesforce series, changed in Salesforce', () => {
  it('an occurrence row whose location alone was edited becomes an Outlook exception with that location', async () => {
    const first = mondayIn(2);
    const { id, seriesId } = await salesforceSeries('Occurrence text edit', first, '08');
    const rows = rowsOf(id);
    expect(rows).toHaveLength(4);
    stack.salesforce.admin.update('Event', String(rows[1]!.Id), { Location: 'Room 7' });
    await run(m1);
    const instances = await instancesOf(m1, seriesId, first);
    expect(instances).toHaveLength(4);
    expect(instances.map((i) => (i.location as Json).displayName)).toEqual(['', 'Room 7', '', '']);
    expect(instances[1]!.type).toBe('exception');
    expect(instances[1]!.subject).toBe('Occurrence text edit');
    // stable: the exception reads back like its row, nothing more is written on either side
    expect((await run(m1)).itemsSynced).toBe(0);
    expect(rowsOf(id).map((r) => r.Location ?? null)).toEqual([null, 'Room 7', null, null]);
    expect(await skippedEvents()).toEqual([]);
    expect(stack.graph.admin.counters().sentInvitations).toBe(0);
  });

  it('an occurrence row moved to another time moves its Outlook instance; a deleted row cancels its instance', async () => {
    const first = mondayIn(5);
    const { id, seriesId } = await salesforceSeries('Occurrence move', first, '09');
    const rows = rowsOf(id);
    const later = new Date(Date.parse(iso(rows[2]!.StartDateTime)) + 2 * 3600_000).toISOString();
    stack.salesforce.admin.update('Event', String(rows[2]!.Id), { StartDateTime: later, ActivityDateTime: later, EndDateTime: new Date(Date.parse(later) + 45 * 60_000).toISOString() });
    stack.salesforce.admin.delete('Event', String(rows[3]!.Id));
    await run(m1);
    const instances = await instancesOf(m1, seriesId, first);
    expect(instances).toHaveLength(3);
    const starts = instances.map((i) => `${utc(i.start as Json)}/${utc(i.end as Json)}`);
    const expected = rowsOf(id).map((r) => `${iso(r.StartDateTime)}/${iso(r.EndDateTime)}`);
    expect(starts).toEqual(expected);
    expect(starts).toContain(`${later}/${new Date(Date.parse(later) + 45 * 60_000).toISOString()}`);
    expect((await run(m1)).itemsSynced).toBe(0);
    expect(rowsOf(id)).toHaveLength(3);
    expect(byStamp(m1, id)).toHaveLength(1);
    expect(await skippedEvents()).toEqual([]);
    expect(stack.graph.admin.counters().sentInvitations).toBe(0);
  });

  it('an all-day series: a renamed occurrence row becomes an all-day exception; an Outlook move to the next day reaches the row', async () => {
    const first = mondayIn(29);
    const id = stack.salesforce.admin.insert('Event', {
      Subject: 'Site visit', IsAllDayEvent: true, ActivityDate: first, DurationInMinutes: 1440, OwnerId: m1.salesforceUserId,
      IsRecurrence: true, RecurrenceType: 'RecursWeekly', RecurrenceInterval: 1, RecurrenceDayOfWeekMask: 2, RecurrenceStartDateTime: `${first}T00:00:00.000Z`,
      RecurrenceEndDateOnly: date(Date.parse(first) + 14 * DAY),
    });
    await run(m1);
    const seriesId = String(byStamp(m1, id)[0]!.id);
    const rows = sfQuery(stack, `SELECT Id, Subject, ActivityDate FROM Event WHERE RecurrenceActivityId = '${id}' AND Id != '${id}' ORDER BY ActivityDate`);
    expect(rows).toHaveLength(3);
    stack.salesforce.admin.update('Event', String(rows[0]!.Id), { Subject: 'Site visit (customer B)' });
    await run(m1);
    let instances = await instancesOf(m1, seriesId, first);
    expect(instances.map((i) => [i.subject, i.isAllDay, String((i.start as Json).dateTime).slice(0, 10)])).toEqual([
      ['Site visit (customer B)', true, first],
      ['Site visit', true, date(Date.parse(first) + 7 * DAY)],
      ['Site visit', true, date(Date.parse(first) + 14 * DAY)],
    ]);
    const tuesday = date(Date.parse(first) + 8 * DAY);
    await stack.client.request('PATCH', `${users(m1)}/events/${encodeURIComponent(String(instances[1]!.id))}`, {
      body: { isAllDay: true, start: { dateTime: `${tuesday}T00:00:00`, timeZone: 'UTC' }, end: { dateTime: `${date(Date.parse(tuesday) + DAY)}T00:00:00`, timeZone: 'UTC' } },
    });
    await run(m1);
    const after = sfQuery(stack, `SELECT Id, ActivityDate, IsAllDayEvent, DurationInMinutes FROM Event WHERE RecurrenceActivityId = '${id}' AND Id != '${id}' ORDER BY ActivityDate`);
    expect(after.map((r) => [r.ActivityDate, r.IsAllDayEvent, r.DurationInMinutes])).toEqual([
      [first, true, 1440],
      [tuesday, true, 1440],
      [date(Date.parse(first) + 14 * DAY), true, 1440],
    ]);
    expect((await run(m1)).itemsSynced).toBe(0);
    instances = await instancesOf(m1, seriesId, first);
    expect(instances).toHaveLength(3);
  });

  it('an occurrence Outlook refuses to change opens an Error issue; the run goes on and the next change of the row goes through', async () => {
    const first = mondayIn(26);
    const { id, seriesId } = await salesforceSeries('Occurrence refused', first, '12');
    const rows = rowsOf(id);
    stack.graph.admin.fault({ match: { method: 'PATCH', pathIncludes: '/events/AAMkOcc' }, count: 1, status: 400, code: 'ErrorInvalidRequest', message: 'Injected refusal.' });
    stack.salesforce.admin.update('Event', String(rows[0]!.Id), { Location: 'Room 1' });
    await run(m1);
    const errors = (await stack.store.listIssues(m1.mailboxSyncId, { open: true })).filter((i) => i.kind === 'Error' && i.salesforceId === rows[0]!.Id);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/could not be copied: .*Injected refusal/);
    stack.salesforce.admin.update('Event', String(rows[0]!.Id), { Location: 'Room 2' });
    await run(m1);
    expect((await instancesOf(m1, seriesId, first)).map((i) => (i.location as Json).displayName)).toEqual(['Room 2', '', '', '']);
    // written at last: the issue closes itself, in the store and on the Sync_Issue__c
    expect(await openErrorsOf(String(rows[0]!.Id))).toEqual([]);
    expect(sfQuery(stack, `SELECT Kind__c, Resolved__c FROM Sync_Issue__c WHERE Salesforce_Id__c = '${String(rows[0]!.Id)}'`)).toEqual([expect.objectContaining({ Kind__c: 'Error', Resolved__c: true })]);
  });

  it('a refused occurrence whose row is then deleted has nothing left to copy: its Error issue closes', async () => {
    const first = mondayIn(32);
    const { id } = await salesforceSeries('Occurrence refused then gone', first, '12');
    const rowId = String(rowsOf(id)[1]!.Id);
    stack.graph.admin.fault({ match: { method: 'PATCH', pathIncludes: '/events/AAMkOcc' }, count: 1, status: 400, code: 'ErrorInvalidRequest', message: 'Injected refusal.' });
    stack.salesforce.admin.update('Event', rowId, { Location: 'Room 3' });
    await run(m1);
    expect(await openErrorsOf(rowId)).toHaveLength(1);
    stack.salesforce.admin.delete('Event', rowId);
    await run(m1);
    expect(await openErrorsOf(rowId)).toEqual([]);
    expect(sfQuery(stack, `SELECT Resolved__c FROM Sync_Issue__c WHERE Salesforce_Id__c = '${rowId}'`)).toEqual([expect.objectContaining({ Resolved__c: true })]);
  });

  it('a series that became a meeting in Outlook is not changed there: the occurrence edit is a Skipped issue, no mail is sent', async () => {
    const first = mondayIn(8);
    const { id, seriesId } = await salesforceSeries('Occurrence of a meeting', first, '10');
    stack.graph.admin.userUpdateEvent(m1.address, seriesId, { attendees: [{ emailAddress: { address: 'guest@customer.test' }, type: 'required' }] });
    await run(m1);
    const sent = stack.graph.admin.counters().sentInvitations;
    const rows = rowsOf(id);
    stack.salesforce.admin.update('Event', String(rows[1]!.Id), { Subject: 'Only this one' });
    stack.salesforce.admin.delete('Event', String(rows[2]!.Id));
    await run(m1);
    await run(m1);
    const instances = await instancesOf(m1, seriesId, first);
    expect(instances).toHaveLength(4);
    expect(instances.every((i) => i.subject === 'Occurrence of a meeting' && i.type === 'occurrence')).toBe(true);
    const issues = await skippedEvents();
    expect(issues).toHaveLength(2);
    expect(issues.every((m) => /meeting with attendees in Outlook/.test(m))).toBe(true);
    expect(stack.graph.admin.counters().sentInvitations).toBe(sent);
  });
});

describe('a Recurrence 2.0 series (RRULE)', () => {
  it('its occurrence rows travel like those of a classic series: an edit becomes an exception, an Outlook move reaches the row', async () => {
    const first = mondayIn(20);
    const start = `${first}T14:00:00.000Z`;
    const id = stack.salesforce.admin.insert('Event', {
      Subject: 'RRULE occurrences', StartDateTime: start, ActivityDateTime: start, DurationInMinutes: 30, OwnerId: m1.salesforceUserId,
      Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3',
    });
    await run(m1);
    const seriesId = String(byStamp(m1, id)[0]!.id);
    const [series] = sfQuery(stack, `SELECT ActivityRecurrence2Id FROM Event WHERE Id = '${id}'`);
    const rows = () => sfQuery(stack, `SELECT Id, Location, StartDateTime FROM Event WHERE ActivityRecurrence2Id = '${String(series!.ActivityRecurrence2Id)}' AND Id != '${id}' ORDER BY StartDateTime`);
    expect(rows()).toHaveLength(3);
    stack.salesforce.admin.update('Event', String(rows()[0]!.Id), { Location: 'Room 9' });
    await run(m1);
    let instances = await instancesOf(m1, seriesId, first);
    expect(instances.map((i) => (i.location as Json).displayName)).toEqual(['Room 9', '', '']);
    const day = date(Date.parse(first) + 14 * DAY);
    await stack.client.request('PATCH', `${users(m1)}/events/${encodeURIComponent(String(instances[2]!.id))}`, {
      body: { start: { dateTime: `${day}T16:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T16:30:00`, timeZone: 'UTC' } },
    });
    await run(m1);
    expect(iso(rows()[2]!.StartDateTime)).toBe(`${day}T16:00:00.000Z`);
    expect((await run(m1)).itemsSynced).toBe(0);
    instances = await instancesOf(m1, seriesId, first);
    expect(instances).toHaveLength(3);
    expect(stack.graph.admin.counters().sentInvitations).toBe(0);
  });
});

describe('a private series under Busy Placeholder', () => {
  it('an occurrence moved on either side moves on the other, and its details never reach Outlook (nor "Busy" Salesforce)', async () => {
    stack.salesforce.admin.update('Mailbox_Sync__c', m1.mailboxSyncId, { Events_Private__c: 'Busy Placeholder' });
    try {
      const first = mondayIn(17);
      const start = `${first}T07:00:00.000Z`;
      const id = stack.salesforce.admin.insert('Event', {
        Subject: 'Therapy', Description: 'secret notes', IsPrivate: true, StartDateTime: start, EndDateTime: `${first}T08:00:00.000Z`, ActivityDateTime: start, DurationInMinutes: 60,
        OwnerId: m1.salesforceUserId, IsRecurrence: true, RecurrenceType: 'RecursWeekly', RecurrenceInterval: 1, RecurrenceDayOfWeekMask: 2,
        RecurrenceStartDateTime: start, RecurrenceEndDateOnly: date(Date.parse(first) + 14 * DAY),
      });
      await run(m1);
      const seriesId = String(byStamp(m1, id)[0]!.id);
      const rows = rowsOf(id);
      const later = `${date(Date.parse(first) + 7 * DAY)}T09:00:00.000Z`;
      stack.salesforce.admin.update('Event', String(rows[1]!.Id), { Description: 'more secret notes', Location: 'Clinic', StartDateTime: later, ActivityDateTime: later, EndDateTime: `${date(Date.parse(first) + 7 * DAY)}T10:00:00.000Z` });
      await run(m1);
      let instances = await instancesOf(m1, seriesId, first);
      expect(instances.map((i) => utc(i.start as Json))).toEqual([start, later, `${date(Date.parse(first) + 14 * DAY)}T07:00:00.000Z`]);
      expect(instances.every((i) => i.subject === 'Busy')).toBe(true);
      expect(JSON.stringify(instances)).not.toMatch(/secret|Clinic/);
      // moved in Outlook: the row moves, keeps its subject and notes
      const day = date(Date.parse(first) + 14 * DAY);
      await stack.client.request('PATCH', `${users(m1)}/events/${encodeURIComponent(String(instances[2]!.id))}`, {
        body: { start: { dateTime: `${day}T11:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T12:00:00`, timeZone: 'UTC' } },
      });
      await run(m1);
      const after = sfQuery(stack, `SELECT Id, Subject, Description, StartDateTime FROM Event WHERE RecurrenceActivityId = '${id}' AND Id != '${id}' ORDER BY StartDateTime`);
      expect(after.map((r) => r.Subject)).toEqual(['Therapy', 'Therapy', 'Therapy']);
      expect(iso(after[2]!.StartDateTime)).toBe(`${day}T11:00:00.000Z`);
      expect(after[1]!.Description).toBe('more secret notes');
      expect((await run(m1)).itemsSynced).toBe(0);
      instances = await instancesOf(m1, seriesId, first);
      expect(JSON.stringify(instances)).not.toMatch(/secret|Clinic|Therapy/);
    } finally {
      stack.salesforce.admin.update('Mailbox_Sync__c', m1.mailboxSyncId, { Events_Private__c: 'Sync' });
    }
  });
});

describe('a single occurrence of a Salesforce series, changed in Outlook', () => {
  it('an Outlook exception (moved, renamed) reaches its occurrence row; a cancelled occurrence deletes its row', async () => {
    const first = mondayIn(11);
    const { id, seriesId } = await salesforceSeries('Outlook exception', first, '11');
    const skippedBefore = (await skippedEvents()).length;
    const before = await instancesOf(m1, seriesId, first);
    const day = String((before[1]!.start as Json).dateTime).slice(0, 10);
    await stack.client.request('PATCH', `${users(m1)}/events/${encodeURIComponent(String(before[1]!.id))}`, {
      body: { subject: 'Outlook exception (moved)', start: { dateTime: `${day}T15:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T16:00:00`, timeZone: 'UTC' } },
    });
    await stack.client.request('DELETE', `${users(m1)}/events/${encodeURIComponent(String(before[3]!.id))}`);
    await run(m1);
    const rows = rowsOf(id);
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.Subject)).toEqual(['Outlook exception', 'Outlook exception (moved)', 'Outlook exception']);
    expect(iso(rows[1]!.StartDateTime)).toBe(`${day}T15:00:00.000Z`);
    expect(iso(rows[1]!.EndDateTime)).toBe(`${day}T16:00:00.000Z`);
    // the master keeps the series as it was
    expect(sfQuery(stack, `SELECT Subject FROM Event WHERE Id = '${id}'`)[0]?.Subject).toBe('Outlook exception');
    expect((await run(m1)).itemsSynced).toBe(0);
    expect(rowsOf(id)).toHaveLength(3);
    expect(await instancesOf(m1, seriesId, first)).toHaveLength(3);
    expect(await skippedEvents()).toHaveLength(skippedBefore);
    expect(stack.graph.admin.counters().sentInvitations).toBe(0);
  });
});

describe('the same occurrence changed on both sides between two runs', () => {
  it('same field → Salesforce wins and the Outlook value is a Conflict issue; different fields → merged; a reverted row still counts', async () => {
    const first = mondayIn(35);
    const { id, seriesId } = await salesforceSeries('Both sides', first, '08');
    const rows = rowsOf(id);
    const before = await instancesOf(m1, seriesId, first);
    const day = String((before[2]!.start as Json).dateTime).slice(0, 10);
    // occurrence 2: the location on both sides; occurrence 3: the subject in Salesforce, the time in Outlook
    stack.salesforce.admin.update('Event', String(rows[1]!.Id), { Location: 'Room SF' });
    stack.salesforce.admin.update('Event', String(rows[2]!.Id), { Subject: 'Both sides (renamed)' });
    await stack.client.request('PATCH', `${users(m1)}/events/${encodeURIComponent(String(before[1]!.id))}`, { body: { location: { displayName: 'Room Outlook' } } });
    await stack.client.request('PATCH', `${users(m1)}/events/${encodeURIComponent(String(before[2]!.id))}`, {
      body: { start: { dateTime: `${day}T14:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T14:30:00`, timeZone: 'UTC' } },
    });
    await run(m1);
    const after = rowsOf(id);
    const instances = await instancesOf(m1, seriesId, first);
    expect(after.map((r) => r.Location ?? null)).toEqual([null, 'Room SF', null, null]);
    expect(instances.map((i) => (i.location as Json).displayName)).toEqual(['', 'Room SF', '', '']);
    expect([after[2]!.Subject, iso(after[2]!.StartDateTime), iso(after[2]!.EndDateTime)]).toEqual(['Both sides (renamed)', `${day}T14:00:00.000Z`, `${day}T14:30:00.000Z`]);
    expect([instances[2]!.subject, utc(instances[2]!.start as Json), utc(instances[2]!.end as Json)]).toEqual(['Both sides (renamed)', `${day}T14:00:00.000Z`, `${day}T14:30:00.000Z`]);
    // the losing Outlook value is recorded, never silently dropped: one Conflict, in the store and on Sync_Issue__c
    const conflicts = (await stack.store.listIssues(m1.mailboxSyncId, { open: true })).filter((i) => i.kind === 'Conflict' && i.objectType === 'Event');
    expect(conflicts.map((c) => c.salesforceId)).toEqual([rows[1]!.Id]);
    expect(conflicts[0]!.message).toMatch(/location: kept Salesforce "Room SF" over Outlook "Room Outlook"/);
    expect(sfQuery(stack, `SELECT Kind__c, Message__c FROM Sync_Issue__c WHERE Salesforce_Id__c = '${String(rows[1]!.Id)}'`)).toEqual([expect.objectContaining({ Kind__c: 'Conflict' })]);
    expect((await run(m1)).itemsSynced).toBe(0);
    expect((await stack.store.listIssues(m1.mailboxSyncId, { open: true })).filter((i) => i.kind === 'Conflict' && i.objectType === 'Event')).toHaveLength(1);
    // the row put back to the series' value is an edit of its own: Outlook follows
    stack.salesforce.admin.update('Event', String(rows[1]!.Id), { Location: null });
    await run(m1);
    expect((await instancesOf(m1, seriesId, first)).map((i) => (i.location as Json).displayName)).toEqual(['', '', '', '']);
    expect(stack.graph.admin.counters().sentInvitations).toBe(0);
  });
});

describe('a Salesforce single event made a series in Outlook', () => {
  it('is made again as a Salesforce series with its contact, account and invitees, the link and stamp move to it, the old event goes', async () => {
    const first = mondayIn(14);
    const start = `${first}T13:00:00.000Z`;
    const accountId = stack.salesforce.admin.insert('Account', { Name: 'Series Account' });
    const contactId = stack.salesforce.admin.insert('Contact', { LastName: 'Series Guest', Email: 'series.guest@customer.test', AccountId: accountId, OwnerId: m1.salesforceUserId });
    const inviteeId = stack.salesforce.admin.insert('Contact', { LastName: 'Series Invitee', Email: 'series.invitee@customer.test', OwnerId: m1.salesforceUserId });
    const id = stack.salesforce.admin.insert('Event', {
      Subject: 'Becomes a series', StartDateTime: start, ActivityDateTime: start, DurationInMinutes: 30, OwnerId: m1.salesforceUserId, WhoId: contactId, WhatId: accountId,
    });
    stack.salesforce.admin.insert('EventRelation', { EventId: id, RelationId: inviteeId, IsInvitee: true, Status: 'Accepted' });
    await run(m1);
    const [item] = byStamp(m1, id);
    expect(item).toBeDefined();
    const sent = stack.graph.admin.counters().sentInvitations;
    const last = date(Date.parse(first) + 14 * DAY);
    stack.graph.admin.userUpdateEvent(m1.address, String(item!.id), {
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'endDate', startDate: first, endDate: last } },
    });
    await run(m1);
    expect(sfQuery(stack, `SELECT Id FROM Event WHERE Id = '${id}'`)).toHaveLength(0);
    const [series] = sfQuery(stack, `SELECT Id, Subject, IsRecurrence, RecurrenceType, RecurrenceDayOfWeekMask, RecurrenceEndDateOnly, WhoId, WhatId, OwnerId, SCC_Exchange_Key__c FROM Event WHERE Subject = 'Becomes a series' AND IsRecurrence = true`);
    expect(series).toMatchObject({ RecurrenceType: 'RecursWeekly', RecurrenceDayOfWeekMask: 2, RecurrenceEndDateOnly: last, WhoId: contactId, WhatId: accountId, OwnerId: m1.salesforceUserId });
    // the Exchange key moved with it: a retry upserts the same series
    expect(series!.SCC_Exchange_Key__c).toBe(`event:${String(item!.iCalUId)}`);
    const newId = String(series!.Id);
    expect(rowsOf(newId).map((r) => iso(r.StartDateTime))).toEqual([0, 7, 14].map((d) => `${date(Date.parse(first) + d * DAY)}T13:00:00.000Z`));
    expect(sfQuery(stack, `SELECT RelationId, Status FROM EventRelation WHERE EventId = '${newId}'`)).toEqual([expect.objectContaining({ RelationId: inviteeId, Status: 'Accepted' })]);
    // one Outlook series, stamped with the new event; the link follows
    expect(byStamp(m1, newId).map((e) => e.id)).toEqual([item!.id]);
    expect(byStamp(m1, id)).toHaveLength(0);
    const links = await linkStoreOf(stack.store).transaction((tx) => tx.links(m1.mailboxSyncId, 'event'));
    expect(links.find((l) => l.exchange.id === item!.id)?.salesforce.id).toBe(newId);
    expect((await run(m1)).itemsSynced).toBe(0);
    expect(sfQuery(stack, `SELECT Id FROM Event WHERE Subject = 'Becomes a series' AND IsRecurrence = true`)).toHaveLength(1);
    expect(stack.graph.admin.counters().sentInvitations).toBe(sent);
  });

  it('a failed delete of the old event leaves the link where it was; the next run finishes with one series', async () => {
    const first = mondayIn(23);
    const start = `${first}T15:00:00.000Z`;
    const id = stack.salesforce.admin.insert('Event', { Subject: 'Becomes a series (retry)', StartDateTime: start, ActivityDateTime: start, DurationInMinutes: 30, OwnerId: m1.salesforceUserId });
    await run(m1);
    const [item] = byStamp(m1, id);
    stack.graph.admin.userUpdateEvent(m1.address, String(item!.id), {
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'numbered', startDate: first, numberOfOccurrences: 3 } },
    });
    stack.salesforce.admin.fault({ method: 'DELETE', path: '/composite/sobjects', count: 1, status: 400, errorCode: 'UNABLE_TO_LOCK_ROW', message: 'Injected.' });
    await stack.runtime.runMailbox(m1.mailboxSyncId, 'sync-now');
    expect(sfQuery(stack, `SELECT Id FROM Event WHERE Id = '${id}'`)).toHaveLength(1);
    await run(m1);
    expect(sfQuery(stack, `SELECT Id FROM Event WHERE Id = '${id}'`)).toHaveLength(0);
    const series = sfQuery(stack, `SELECT Id, RecurrenceEndDateOnly FROM Event WHERE Subject = 'Becomes a series (retry)' AND IsRecurrence = true`);
    expect(series).toHaveLength(1);
    // "end after 3 occurrences": the series ends on the third Monday
    expect(series[0]!.RecurrenceEndDateOnly).toBe(date(Date.parse(first) + 14 * DAY));
    expect(rowsOf(String(series[0]!.Id))).toHaveLength(3);
    expect(byStamp(m1, String(series[0]!.Id)).map((e) => e.id)).toEqual([item!.id]);
    expect((await run(m1)).itemsSynced).toBe(0);
    // nothing left open about it: the failed delete's error, or the series read before its link moved
    const open = (await stack.store.listIssues(m1.mailboxSyncId, { open: true })).filter((i) => i.salesforceId === id || i.salesforceId === series[0]!.Id);
    expect(open).toEqual([]);
  });
});

describe('a one-way series (Events_Direction__c)', () => {
  it('Salesforce to Exchange: an Outlook exception stays in Outlook, a Salesforce occurrence edit still reaches Outlook', async () => {
    stack.salesforce.admin.update('Mailbox_Sync__c', m1.mailboxSyncId, { Events_Direction__c: 'Salesforce to Exchange' });
    try {
      const first = mondayIn(13);
      const { id, seriesId } = await salesforceSeries('One way', first, '08');
      const before = await instancesOf(m1, seriesId, first);
      await stack.client.request('PATCH', `${users(m1)}/events/${encodeURIComponent(String(before[1]!.id))}`, { body: { subject: 'Renamed in Outlook' } });
      await run(m1);
      expect(rowsOf(id).map((r) => r.Subject)).toEqual(['One way', 'One way', 'One way', 'One way']);
      const row = rowsOf(id)[2]!;
      stack.salesforce.admin.update('Event', String(row.Id), { Location: 'Room 3' });
      await run(m1);
      const after = await instancesOf(m1, seriesId, first);
      expect(after.map((e) => e.subject)).toEqual(['One way', 'Renamed in Outlook', 'One way', 'One way']);
      expect((after[2]!.location as Json).displayName).toBe('Room 3');
      expect(rowsOf(id)[1]!.Subject).toBe('One way');
    } finally {
      stack.salesforce.admin.update('Mailbox_Sync__c', m1.mailboxSyncId, { Events_Direction__c: 'Both' });
    }
  });
});
