// End to end on the local stack: calendar events both ways with full fidelity — DST-exact
// times in the user's zone, multi-day all-day events, weekly series with a moved and a
// cancelled occurrence (and a whole-series edit), private events under each setting, one
// meeting in two synced mailboxes → one Salesforce event with its relations, attendee responses
// Exchange → Salesforce, no invitation mail ever sent, and idempotent creates on retry.
// Runs are driven with runtime.runMailbox, so every step is deterministic (no sleeps).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { instantToWallTime, wallTimeToInstant } from '../../worker/src/core/timezones.ts';
import { linkStoreOf } from '../../worker/src/store/link-store.ts';
import { sfQuery, stampOf, type Json } from './helpers.ts';

const DAY = 86_400_000;
let stack: LocalStack;
let m1: StackMailbox;
let m2: StackMailbox;

const run = async (m: StackMailbox) => {
  const result = await stack.runtime.runMailbox(m.mailboxSyncId, 'sync-now');
  expect(result.ok).toBe(true);
  return result;
};
const events = (m: StackMailbox): Json[] => stack.graph.admin.items(m.address, 'event') as Json[];
const byStamp = (m: StackMailbox, id: string): Json[] => events(m).filter((e) => stampOf(e) === id);
const sfEvents = (where: string): Json[] =>
  sfQuery(stack, `SELECT Id, Subject, StartDateTime, EndDateTime, IsAllDayEvent, ActivityDate, DurationInMinutes, IsPrivate, OwnerId, SCC_Exchange_Key__c FROM Event WHERE ${where}`);
const iso = (v: unknown): string => new Date(String(v).replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString();
const date = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const users = (m: StackMailbox) => `/users/${encodeURIComponent(m.address)}`;

/** The Monday after the next spring DST change in Europe (last Sunday of March). */
function mondayAfterSpringChange(now: number): string {
  for (let year = new Date(now).getUTCFullYear(); ; year++) {
    const last = new Date(Date.UTC(year, 2, 31));
    const sunday = Date.UTC(year, 2, 31 - last.getUTCDay());
    if (sunday + DAY > now + DAY) return date(sunday + DAY);
  }
}

/** A future Monday (UTC date) at least `weeks` weeks ahead. */
function mondayIn(weeks: number): string {
  const now = Date.now() + weeks * 7 * DAY;
  const d = new Date(now);
  return date(now + ((8 - d.getUTCDay()) % 7) * DAY);
}

beforeAll(async () => {
  stack = await startLocalStack({
    seed: { salesforce: 'none', mailboxes: 2, mailboxSync: { Sync_Events__c: true, Events_Direction__c: 'Both', Sync_Contacts__c: false, Sync_Tasks__c: false, Events_Private__c: 'Sync' } },
    start: false,
  });
  [m1, m2] = stack.mailboxes as [StackMailbox, StackMailbox];
  stack.salesforce.admin.update('User', m1.salesforceUserId, { TimeZoneSidKey: 'Europe/Berlin' });
  await run(m1);
  await run(m2);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('time zones and all-day events', () => {
  const monday = mondayAfterSpringChange(Date.now());
  const nine = wallTimeToInstant(`${monday}T09:00:00`, 'Europe/Berlin');

  it('a meeting at 09:00 Europe/Berlin on the Monday after the spring DST change stays 09:00, Salesforce → Exchange', async () => {
    expect(nine).toBe(`${monday}T07:00:00.000Z`);
    const id = stack.salesforce.admin.insert('Event', { Subject: 'DST check SF', StartDateTime: nine, EndDateTime: new Date(Date.parse(nine) + 3600_000).toISOString(), DurationInMinutes: 60, ActivityDateTime: nine, OwnerId: m1.salesforceUserId });
    await run(m1);
    const [item] = byStamp(m1, id);
    expect(item).toBeDefined();
    const read = await stack.client.request<Json>('GET', `${users(m1)}/events/${encodeURIComponent(String(item!.id))}`, { headers: { Prefer: 'outlook.timezone="W. Europe Standard Time"' } });
    expect((read.start as Json).dateTime).toMatch(new RegExp(`^${monday}T09:00:00`));
    expect(read.originalStartTimeZone).toBe('W. Europe Standard Time');
    expect(instantToWallTime(nine, 'W. Europe Standard Time')).toBe(`${monday}T09:00:00`);
  });

  it('and Exchange → Salesforce', async () => {
    stack.graph.admin.userCreateEvent(m1.address, null, {
      subject: 'DST check EX',
      start: { dateTime: `${monday}T09:00:00`, timeZone: 'W. Europe Standard Time' },
      end: { dateTime: `${monday}T10:00:00`, timeZone: 'W. Europe Standard Time' },
      categories: ['Salesforce'],
    });
    await run(m1);
    const [row] = sfEvents(`Subject = 'DST check EX'`);
    expect(row).toBeDefined();
    expect(iso(row!.StartDateTime)).toBe(nine);
    expect(instantToWallTime(iso(row!.StartDateTime), 'Europe/Berlin')).toBe(`${monday}T09:00:00`);
  });

  it('a 3-day all-day event keeps its 3 days both ways', async () => {
    const first = mondayIn(3);
    const id = stack.salesforce.admin.insert('Event', { Subject: 'Offsite SF', IsAllDayEvent: true, ActivityDate: first, DurationInMinutes: 3 * 1440, OwnerId: m1.salesforceUserId });
    await run(m1);
    const [item] = byStamp(m1, id);
    expect(item?.isAllDay).toBe(true);
    expect(String((item!.start as Json).dateTime).slice(0, 10)).toBe(first);
    // Graph's end is exclusive: the day after the third day
    expect(String((item!.end as Json).dateTime).slice(0, 10)).toBe(date(Date.parse(first) + 3 * DAY));

    const other = mondayIn(5);
    stack.graph.admin.userCreateEvent(m1.address, null, {
      subject: 'Offsite EX',
      isAllDay: true,
      start: { dateTime: `${other}T00:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${date(Date.parse(other) + 3 * DAY)}T00:00:00`, timeZone: 'UTC' },
      categories: ['Salesforce'],
    });
    await run(m1);
    const [row] = sfEvents(`Subject = 'Offsite EX'`);
    expect(row?.IsAllDayEvent).toBe(true);
    expect(row?.ActivityDate).toBe(other);
    expect(row?.DurationInMinutes).toBe(3 * 1440);
    expect(iso(row!.EndDateTime).slice(0, 10)).toBe(date(Date.parse(other) + 2 * DAY));
  });

  it('a further run writes nothing (no churn)', async () => {
    const again = await run(m1);
    expect(again.itemsSynced).toBe(0);
  });
});

describe('scope, edits and deletes', () => {
  it("an event the user is invited to (EventRelation) reaches the user's Outlook", async () => {
    const start = `${mondayIn(2)}T10:00:00.000Z`;
    const id = stack.salesforce.admin.insert('Event', { Subject: 'Invited by a colleague', StartDateTime: start, ActivityDateTime: start, DurationInMinutes: 30, OwnerId: m2.salesforceUserId });
    stack.salesforce.admin.insert('EventRelation', { EventId: id, RelationId: m1.salesforceUserId, IsInvitee: true });
    await run(m1);
    expect(byStamp(m1, id)).toHaveLength(1);
  });

  it('edits and deletes flow both ways', async () => {
    const start = `${mondayIn(2)}T12:00:00.000Z`;
    const id = stack.salesforce.admin.insert('Event', { Subject: 'Lunch', StartDateTime: start, ActivityDateTime: start, DurationInMinutes: 60, OwnerId: m1.salesforceUserId });
    await run(m1);
    const exId = String(byStamp(m1, id)[0]!.id);
    stack.salesforce.admin.update('Event', id, { Location: 'Canteen', EndDateTime: new Date(Date.parse(start) + 90 * 60_000).toISOString() });
    await run(m1);
    const item = events(m1).find((e) => e.id === exId)!;
    expect((item.location as Json).displayName).toBe('Canteen');
    stack.graph.admin.userUpdateEvent(m1.address, exId, { subject: 'Long lunch' });
    await run(m1);
    const [row] = sfEvents(`Id = '${id}'`);
    expect(row?.Subject).toBe('Long lunch');
    expect(row?.DurationInMinutes).toBe(90);
    stack.graph.admin.userDeleteEvent(m1.address, exId);
    await run(m1);
    expect(sfEvents(`Id = '${id}'`)).toHaveLength(0);

    const other = stack.salesforce.admin.insert('Event', { Subject: 'Dinner', StartDateTime: start, ActivityDateTime: start, DurationInMinutes: 60, OwnerId: m1.salesforceUserId });
    await run(m1);
    expect(byStamp(m1, other)).toHaveLength(1);
    stack.salesforce.admin.delete('Event', other);
    await run(m1);
    expect(byStamp(m1, other)).toHaveLength(0);
  });
});

describe('recurring series', () => {
  const instancesOf = async (m: StackMailbox, id: string, from: string, to: string): Promise<Json[]> =>
    ((await stack.client.get<{ value: Json[] }>(`${users(m)}/events/${encodeURIComponent(id)}/instances?startDateTime=${from}&endDateTime=${to}`)).value);
  const span = (rows: Array<{ start: string; end: string }>) => rows.map((r) => `${r.start}/${r.end}`).sort();

  it('an Outlook weekly series with one moved and one cancelled occurrence matches in Salesforce, and again after a whole-series edit', async () => {
    const first = mondayIn(1);
    const from = `${first}T00:00:00Z`;
    const to = `${date(Date.parse(first) + 60 * DAY)}T00:00:00Z`;
    const masterId = stack.graph.admin.userCreateEvent(m1.address, null, {
      subject: 'Weekly sync',
      start: { dateTime: `${first}T10:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${first}T10:30:00`, timeZone: 'UTC' },
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'numbered', startDate: first, numberOfOccurrences: 6 } },
      categories: ['Salesforce'],
    });
    const before = await instancesOf(m1, masterId, from, to);
    expect(before).toHaveLength(6);
    const moved = before[1]!;
    const movedStart = `${String((moved.start as Json).dateTime).slice(0, 10)}T14:00:00`;
    await stack.client.request('PATCH', `${users(m1)}/events/${encodeURIComponent(String(moved.id))}`, {
      body: { start: { dateTime: movedStart, timeZone: 'UTC' }, end: { dateTime: movedStart.replace('T14:00', 'T14:30'), timeZone: 'UTC' } },
    });
    await stack.client.request('DELETE', `${users(m1)}/events/${encodeURIComponent(String(before[3]!.id))}`);
    const uid = String(events(m1).find((e) => e.id === masterId)!.iCalUId);

    const compare = async (subject: string) => {
      const now = await instancesOf(m1, masterId, from, to);
      expect(now).toHaveLength(5);
      const rows = sfEvents(`SCC_Exchange_Key__c LIKE 'event:${uid}:%'`);
      expect(rows.every((r) => r.Subject === subject)).toBe(true);
      expect(span(rows.map((r) => ({ start: iso(r.StartDateTime), end: iso(r.EndDateTime) })))).toEqual(
        span(now.map((i) => ({ start: iso(`${String((i.start as Json).dateTime)}Z`), end: iso(`${String((i.end as Json).dateTime)}Z`) }))),
      );
    };
    await run(m1);
    await compare('Weekly sync');
    expect(sfEvents(`SCC_Exchange_Key__c LIKE 'event:${uid}:%'`).some((r) => iso(r.StartDateTime).endsWith('T14:00:00.000Z'))).toBe(true);

    stack.graph.admin.userUpdateEvent(m1.address, masterId, { subject: 'Weekly sync v2' });
    await run(m1);
    await compare('Weekly sync v2');
  });

  it('an Outlook single event turned into a series hands over to its occurrences', async () => {
    const first = mondayIn(6);
    const id = stack.graph.admin.userCreateEvent(m1.address, null, {
      subject: 'Becomes weekly',
      start: { dateTime: `${first}T07:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${first}T07:30:00`, timeZone: 'UTC' },
      categories: ['Salesforce'],
    });
    await run(m1);
    const uid = String(events(m1).find((e) => e.id === id)!.iCalUId);
    expect(sfEvents(`SCC_Exchange_Key__c = 'event:${uid}'`)).toHaveLength(1);
    stack.graph.admin.userUpdateEvent(m1.address, id, { recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'numbered', startDate: first, numberOfOccurrences: 3 } } });
    await run(m1);
    expect(sfEvents(`SCC_Exchange_Key__c = 'event:${uid}'`)).toHaveLength(0);
    const rows = sfEvents(`SCC_Exchange_Key__c LIKE 'event:${uid}:%'`);
    expect(rows.map((r) => iso(r.StartDateTime)).sort()).toEqual([0, 7, 14].map((d) => `${date(Date.parse(first) + d * DAY)}T07:00:00.000Z`));
  });

  it('a Salesforce weekly series becomes an Outlook series with the same pattern', async () => {
    const first = mondayIn(2);
    const start = `${first}T08:00:00.000Z`;
    const id = stack.salesforce.admin.insert('Event', {
      Subject: 'Standup SF', StartDateTime: start, EndDateTime: `${first}T08:15:00.000Z`, ActivityDateTime: start, DurationInMinutes: 15, OwnerId: m1.salesforceUserId,
      IsRecurrence: true, RecurrenceType: 'RecursWeekly', RecurrenceInterval: 1, RecurrenceDayOfWeekMask: 2 | 8, RecurrenceStartDateTime: start,
      RecurrenceEndDateOnly: date(Date.parse(first) + 13 * DAY),
    });
    await run(m1);
    const [master] = byStamp(m1, id);
    expect(master).toBeDefined();
    const rec = master!.recurrence as { pattern: Json; range: Json };
    expect(rec.pattern.type).toBe('weekly');
    expect(rec.pattern.daysOfWeek).toEqual(['monday', 'wednesday']);
    expect(rec.range.endDate).toBe(date(Date.parse(first) + 13 * DAY));
    const instances = await instancesOf(m1, String(master!.id), `${first}T00:00:00Z`, `${date(Date.parse(first) + 20 * DAY)}T00:00:00Z`);
    expect(instances).toHaveLength(4);
    // its occurrences are not copied back to Salesforce as separate events
    const again = await run(m1);
    expect(again.itemsSynced).toBe(0);
    // Salesforce keeps the series as its master plus one row per occurrence; none is another event
    expect(sfQuery(stack, `SELECT Id FROM Event WHERE Subject = 'Standup SF' AND RecurrenceActivityId != '${id}'`)).toHaveLength(0);
    expect(byStamp(m1, id)).toHaveLength(1);
    // a whole-series edit in Salesforce reaches the Outlook series
    stack.salesforce.admin.update('Event', id, { Subject: 'Standup SF (new room)' });
    await run(m1);
    expect(byStamp(m1, id)[0]!.subject).toBe('Standup SF (new room)');

    // one occurrence moved in Outlook reaches its occurrence row (not a new event); more in events-series.test.ts
    const [second] = (await instancesOf(m1, String(byStamp(m1, id)[0]!.id), `${first}T00:00:00Z`, `${date(Date.parse(first) + 20 * DAY)}T00:00:00Z`)).slice(1);
    const moved = `${String((second!.start as Json).dateTime).slice(0, 10)}T12:00:00`;
    await stack.client.request('PATCH', `${users(m1)}/events/${encodeURIComponent(String(second!.id))}`, {
      body: { start: { dateTime: moved, timeZone: 'UTC' }, end: { dateTime: moved.replace('T12:00', 'T12:15'), timeZone: 'UTC' } },
    });
    await run(m1);
    expect((await run(m1)).itemsSynced).toBe(0);
    const children = sfQuery(stack, `SELECT Id, Subject, StartDateTime FROM Event WHERE RecurrenceActivityId = '${id}' AND Id != '${id}' ORDER BY StartDateTime`);
    expect(children).toHaveLength(4);
    expect(iso(children[1]!.StartDateTime)).toBe(`${moved}.000Z`);
    // the exception carries the series' new subject, and so does its row now
    expect(children[1]!.Subject).toBe('Standup SF (new room)');
    expect(byStamp(m1, id)).toHaveLength(1);
    expect((await stack.store.listIssues(m1.mailboxSyncId, { open: true })).filter((i) => i.kind === 'Skipped' && i.objectType === 'Event')).toHaveLength(0);
  });
});

describe('Recurrence 2.0', () => {
  it('a Salesforce series kept as an RRULE becomes an Outlook series', async () => {
    const first = mondayIn(7);
    const start = `${first}T09:30:00.000Z`;
    const id = stack.salesforce.admin.insert('Event', {
      Subject: 'RRULE series', StartDateTime: start, ActivityDateTime: start, DurationInMinutes: 30, OwnerId: m1.salesforceUserId,
      Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE;COUNT=4',
    });
    await run(m1);
    const [master] = byStamp(m1, id);
    expect(master?.recurrence).toMatchObject({ pattern: { type: 'weekly', daysOfWeek: ['monday', 'wednesday'] }, range: { type: 'numbered', numberOfOccurrences: 4 } });
    // the org keeps the series record plus one row per occurrence, sharing ActivityRecurrence2Id;
    // the rows are the series' occurrences, not events of their own in Outlook
    const [series] = sfQuery(stack, `SELECT Id, GroupEventType, ActivityRecurrence2Id FROM Event WHERE Id = '${id}'`);
    expect(series?.GroupEventType).toBe('3');
    const rows = sfQuery(stack, `SELECT Id, StartDateTime FROM Event WHERE ActivityRecurrence2Id = '${String(series!.ActivityRecurrence2Id)}' AND Id != '${id}' ORDER BY StartDateTime`);
    expect(rows.map((r) => iso(r.StartDateTime))).toEqual([0, 2, 7, 9].map((d) => `${date(Date.parse(first) + d * DAY)}T09:30:00.000Z`));
    expect((await run(m1)).itemsSynced).toBe(0);
    expect(events(m1).filter((e) => e.subject === 'RRULE series')).toHaveLength(1);
  });
});

describe('showAs and reminders', () => {
  it('flow both ways', async () => {
    const start = `${mondayIn(2)}T16:00:00.000Z`;
    const id = stack.salesforce.admin.insert('Event', {
      Subject: 'Reminder SF', StartDateTime: start, ActivityDateTime: start, DurationInMinutes: 30, OwnerId: m1.salesforceUserId,
      ShowAs: 'OutOfOffice', IsReminderSet: true, ReminderDateTime: new Date(Date.parse(start) - 15 * 60_000).toISOString(),
    });
    await run(m1);
    const [item] = byStamp(m1, id);
    expect(item).toMatchObject({ showAs: 'oof', isReminderOn: true, reminderMinutesBeforeStart: 15 });
    stack.graph.admin.userUpdateEvent(m1.address, String(item!.id), { reminderMinutesBeforeStart: 60, showAs: 'free' });
    await run(m1);
    const [row] = sfQuery(stack, `SELECT Id, ShowAs, IsReminderSet, ReminderDateTime FROM Event WHERE Id = '${id}'`);
    expect(row?.ShowAs).toBe('Free');
    expect(row?.IsReminderSet).toBe(true);
    expect(iso(row!.ReminderDateTime)).toBe(new Date(Date.parse(start) - 60 * 60_000).toISOString());
  });
});

describe('private events', () => {
  const setting = (value: string) => stack.salesforce.admin.update('Mailbox_Sync__c', m1.mailboxSyncId, { Events_Private__c: value });
  const privateEvent = (subject: string) => {
    const start = `${mondayIn(2)}T13:00:00.000Z`;
    return stack.salesforce.admin.insert('Event', { Subject: subject, Description: 'secret agenda', IsPrivate: true, StartDateTime: start, ActivityDateTime: start, DurationInMinutes: 30, OwnerId: m1.salesforceUserId });
  };

  it('Skip: a private event stays out of Outlook', async () => {
    setting('Skip');
    const id = privateEvent('Private skip');
    await run(m1);
    expect(byStamp(m1, id)).toHaveLength(0);
  });

  it('Busy Placeholder: Outlook gets a busy block without the details', async () => {
    setting('Busy Placeholder');
    const id = privateEvent('Private placeholder');
    await run(m1);
    const [item] = byStamp(m1, id);
    expect(item?.subject).toBe('Busy');
    expect(item?.sensitivity).toBe('private');
    expect(JSON.stringify(item)).not.toContain('secret agenda');
    // and the Salesforce original keeps its details
    expect(sfEvents(`Id = '${id}'`)[0]?.Subject).toBe('Private placeholder');
  });

  it('Sync: a private event is copied with its details, marked private', async () => {
    setting('Sync');
    const id = privateEvent('Private sync');
    await run(m1);
    const [item] = byStamp(m1, id);
    expect(item?.subject).toBe('Private sync');
    expect(item?.sensitivity).toBe('private');
  });
});

describe('meetings and attendees', () => {
  let uid: string;
  let organizerItem: string;
  let contactId: string;

  it('a meeting with 3 attendees present in 2 synced mailboxes yields one Salesforce event with 3 relations', async () => {
    contactId = stack.salesforce.admin.insert('Contact', { LastName: 'Guest', Email: 'guest@customer.test', OwnerId: m1.salesforceUserId });
    stack.salesforce.admin.insert('Lead', { LastName: 'Prospect', Company: 'Prospects Inc', Email: 'lead@prospect.test' });
    const day = mondayIn(3);
    const attendees = ['guest@customer.test', 'lead@prospect.test', m2.address].map((address) => ({ emailAddress: { address }, type: 'required' }));
    const body = {
      subject: 'Quarterly review',
      start: { dateTime: `${day}T15:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${day}T16:00:00`, timeZone: 'UTC' },
      attendees,
      categories: ['Salesforce'],
    };
    organizerItem = stack.graph.admin.userCreateEvent(m1.address, null, body);
    uid = String(events(m1).find((e) => e.id === organizerItem)!.iCalUId);
    stack.graph.admin.userCreateEvent(m2.address, null, { ...body, iCalUId: uid, isOrganizer: false, organizer: { emailAddress: { address: m1.address } } });
    await run(m1);
    await run(m2);
    const rows = sfEvents(`SCC_Exchange_Key__c = 'event:${uid}'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.OwnerId).toBe(m1.salesforceUserId);
    const relations = sfQuery(stack, `SELECT Id, RelationId, Status FROM EventRelation WHERE EventId = '${rows[0]!.Id}'`);
    expect(relations).toHaveLength(3);
    expect(relations.map((r) => r.RelationId)).toContain(m2.salesforceUserId);
  });

  it("an attendee's acceptance in Exchange shows in Salesforce", async () => {
    const item = events(m1).find((e) => e.id === organizerItem)!;
    const attendees = (item.attendees as Json[]).map((a) =>
      (a.emailAddress as Json).address === 'guest@customer.test' ? { ...a, status: { response: 'accepted', time: new Date().toISOString() } } : a,
    );
    stack.graph.admin.userUpdateEvent(m1.address, organizerItem, { attendees });
    await run(m1);
    const [row] = sfEvents(`SCC_Exchange_Key__c = 'event:${uid}'`);
    const [rel] = sfQuery(stack, `SELECT Id, Status FROM EventRelation WHERE EventId = '${row!.Id}' AND RelationId = '${contactId}'`);
    expect(rel?.Status).toBe('Accepted');
  });

  it("a Salesforce edit of the meeting's time is not written to Outlook and is recorded as a Skipped issue, once, in Salesforce too", async () => {
    const [row] = sfEvents(`SCC_Exchange_Key__c = 'event:${uid}'`);
    const start = new Date(Date.parse(iso(row!.StartDateTime)) + 3600_000).toISOString();
    const end = new Date(Date.parse(iso(row!.EndDateTime)) + 3600_000).toISOString();
    stack.salesforce.admin.update('Event', String(row!.Id), { StartDateTime: start, ActivityDateTime: start, EndDateTime: end });
    await run(m1);
    await run(m1);
    const item = events(m1).find((e) => e.id === organizerItem)!;
    expect(String((item.start as Json).dateTime)).toMatch(/T15:00:00/);
    const skipped = (await stack.store.listIssues(m1.mailboxSyncId, { open: true })).filter((i) => i.kind === 'Skipped' && i.exchangeId === organizerItem);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.salesforceId).toBe(row!.Id);
    expect(skipped[0]!.message).toMatch(/^This meeting has attendees in Outlook; SmartCloud Connect does not change its time there/);
    const pushed = sfQuery(stack, `SELECT Id, Message__c FROM Sync_Issue__c WHERE Mailbox_Sync__c = '${m1.mailboxSyncId}' AND Kind__c = 'Skipped' AND Exchange_Id__c = '${organizerItem}'`);
    expect(pushed).toHaveLength(1);
    expect(stack.graph.admin.counters().sentInvitations).toBe(0);
  });

  it('a Salesforce edit or delete of the meeting never makes Exchange mail the attendees', async () => {
    const [row] = sfEvents(`SCC_Exchange_Key__c = 'event:${uid}'`);
    stack.salesforce.admin.update('Event', String(row!.Id), { Subject: 'Quarterly review (moved room)', ShowAs: 'Free' });
    await run(m1);
    await run(m2);
    const item = events(m1).find((e) => e.id === organizerItem)!;
    expect(item.subject).toBe('Quarterly review');
    expect(item.showAs).toBe('free');
    stack.salesforce.admin.delete('Event', String(row!.Id));
    await run(m1);
    await run(m2);
    expect(events(m1).some((e) => e.id === organizerItem)).toBe(true);
    expect(stack.graph.admin.counters().sentInvitations).toBe(0);
  });
});

describe('first sync matches what is already there', () => {
  it('the same meeting already on both sides (no category in Outlook) → one link, no new item on either side', async () => {
    const day = mondayIn(8);
    const start = `${day}T13:00:00.000Z`;
    const id = stack.salesforce.admin.insert('Event', { Subject: 'Already both', StartDateTime: start, EndDateTime: `${day}T14:00:00.000Z`, ActivityDateTime: start, DurationInMinutes: 60, OwnerId: m1.salesforceUserId });
    const itemId = stack.graph.admin.userCreateEvent(m1.address, null, { subject: 'Already both', start: { dateTime: `${day}T13:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T14:00:00`, timeZone: 'UTC' } });
    // a first sync of the kind: no cursors on either side
    await stack.store.deleteCursor(m1.mailboxSyncId, 'salesforce', 'event');
    await stack.store.deleteCursor(m1.mailboxSyncId, 'exchange', 'event');
    await run(m1);
    expect(events(m1).filter((e) => e.subject === 'Already both').map((e) => e.id)).toEqual([itemId]);
    expect(sfEvents(`Subject = 'Already both'`)).toHaveLength(1);
    const links = await linkStoreOf(stack.store).transaction((tx) => tx.links(m1.mailboxSyncId, 'event'));
    expect(links.find((l) => l.salesforce.id === id)?.exchange.id).toBe(itemId);
    // the matched Outlook event carries the Salesforce Id now, like the events we create
    expect(stampOf(events(m1).find((e) => e.id === itemId)!)).toBe(id);
    expect((await run(m1)).itemsSynced).toBe(0);
    // the matched Outlook event stays in scope while linked, category or not
    stack.graph.admin.userUpdateEvent(m1.address, itemId, { location: { displayName: 'Room 4' } });
    await run(m1);
    expect(sfQuery(stack, `SELECT Location FROM Event WHERE Id = '${id}'`)[0]?.Location).toBe('Room 4');
    expect(events(m1).filter((e) => e.subject === 'Already both')).toHaveLength(1);
  });
});

describe('matched meetings are stamped', () => {
  it('a meeting already on both sides is stamped without mail to its attendees, and its link is rebuilt from the stamp', async () => {
    const day = mondayIn(9);
    const start = `${day}T09:00:00.000Z`;
    const id = stack.salesforce.admin.insert('Event', { Subject: 'Matched meeting', StartDateTime: start, EndDateTime: `${day}T10:00:00.000Z`, ActivityDateTime: start, DurationInMinutes: 60, OwnerId: m1.salesforceUserId });
    const itemId = stack.graph.admin.userCreateEvent(m1.address, null, {
      subject: 'Matched meeting', start: { dateTime: `${day}T09:00:00`, timeZone: 'UTC' }, end: { dateTime: `${day}T10:00:00`, timeZone: 'UTC' },
      attendees: [{ emailAddress: { address: 'someone@customer.test' }, type: 'required' }],
    });
    const sent = stack.graph.admin.counters().sentInvitations;
    await stack.store.deleteCursor(m1.mailboxSyncId, 'salesforce', 'event');
    await stack.store.deleteCursor(m1.mailboxSyncId, 'exchange', 'event');
    await run(m1);
    expect(stampOf(events(m1).find((e) => e.id === itemId)!)).toBe(id);
    expect(stack.graph.admin.counters().sentInvitations).toBe(sent);
    // the store loses the link and the user renames the meeting (no natural key left): the stamp
    // pairs them again, no copy on either side
    stack.graph.admin.userUpdateEvent(m1.address, itemId, { subject: 'Matched meeting (agenda)' });
    await linkStoreOf(stack.store).transaction((tx) => tx.deleteLink(m1.mailboxSyncId, 'event', id));
    await stack.store.deleteCursor(m1.mailboxSyncId, 'salesforce', 'event');
    await stack.store.deleteCursor(m1.mailboxSyncId, 'exchange', 'event');
    await run(m1);
    const links = await linkStoreOf(stack.store).transaction((tx) => tx.links(m1.mailboxSyncId, 'event'));
    expect(links.find((l) => l.salesforce.id === id)?.exchange.id).toBe(itemId);
    expect(events(m1).filter((e) => String(e.subject).startsWith('Matched meeting'))).toHaveLength(1);
    expect(sfEvents(`Subject LIKE 'Matched meeting%'`)).toHaveLength(1);
    expect(stack.graph.admin.counters().sentInvitations).toBe(sent);
  });
});

describe('idempotent creates', () => {
  it('a retried creation makes one event (transactionId)', async () => {
    const start = `${mondayIn(4)}T11:00:00.000Z`;
    const id = stack.salesforce.admin.insert('Event', { Subject: 'Retry me', StartDateTime: start, ActivityDateTime: start, DurationInMinutes: 45, OwnerId: m1.salesforceUserId });
    await run(m1);
    expect(byStamp(m1, id)).toHaveLength(1);
    // a crash after the Graph create but before the link was saved: the next run creates again
    await linkStoreOf(stack.store).transaction((tx) => tx.deleteLink(m1.mailboxSyncId, 'event', id));
    await stack.store.deleteCursor(m1.mailboxSyncId, 'salesforce', 'event');
    await stack.store.deleteCursor(m1.mailboxSyncId, 'exchange', 'event');
    await run(m1);
    expect(byStamp(m1, id)).toHaveLength(1);
    expect(stack.graph.admin.counters().sentInvitations).toBe(0);
  });
});
