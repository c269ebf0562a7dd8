// Event field maps of the runtime: Salesforce rows and Graph events ↔ neutral fields, scope
// markers, invitees as `__attendees`, and Graph bodies that never carry attendees.
import { describe, expect, it } from 'vitest';
import { ATTENDEES_FIELD, eventFieldsToGraph, eventFieldsToRow, eventItemToFields, eventRowToFields, stripMarkers } from './events-map.ts';

describe('Salesforce row → fields', () => {
  it('an all-day event is its first and last day (from the whole-day duration)', () => {
    const f = eventRowToFields({ Id: '00U000000000001AAA', Subject: 'Offsite', IsAllDayEvent: true, ActivityDate: '2027-03-01', DurationInMinutes: 4320, StartDateTime: '2027-03-01T00:00:00.000+0000', EndDateTime: '2027-03-03T00:00:00.000+0000' });
    expect(f).toMatchObject({ isAllDay: true, startDate: '2027-03-01', endDate: '2027-03-03' });
    expect(f.start).toBeUndefined();
  });

  it('a timed event is two instants; the Exchange key is the iCalUId; invitees carry their status', () => {
    const f = eventRowToFields({
      Id: '00U000000000001AAA', Subject: 'Review', StartDateTime: '2027-03-29T07:00:00.000+0000', EndDateTime: '2027-03-29T08:00:00.000+0000',
      SCC_Exchange_Key__c: 'event:UID1', [ATTENDEES_FIELD]: JSON.stringify([{ address: 'B@x.test', status: 'Accepted' }, { address: 'a@x.test', status: 'New' }]),
    });
    expect(f).toMatchObject({ start: '2027-03-29T07:00:00.000Z', end: '2027-03-29T08:00:00.000Z', iCalUId: 'UID1', attendees: ['a@x.test', 'b@x.test'], responses: { 'b@x.test': 'Accepted' } });
  });

  it('an occurrence row of a Salesforce series is marked as a child', () => {
    const f = eventRowToFields({ Id: '00U000000000002AAA', Subject: 'x', StartDateTime: '2027-03-29T07:00:00.000+0000', EndDateTime: '2027-03-29T08:00:00.000+0000', RecurrenceActivityId: '00U000000000001AAA', IsRecurrence: false });
    expect(f.__child).toBe(true);
    expect(stripMarkers(f).__child).toBeUndefined();
  });
});

describe('Recurrence 2.0', () => {
  it('an RRULE series reads as the same neutral pattern as the classic fields', () => {
    const f = eventRowToFields({ Id: '00U000000000003AAA', Subject: 'r2', StartDateTime: '2027-03-01T08:00:00.000+0000', EndDateTime: '2027-03-01T08:15:00.000+0000', Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE;COUNT=4' });
    expect(f.recurrence).toEqual({ type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'], startDate: '2027-03-01', count: 4 });
    const graph = eventFieldsToGraph(stripMarkers(f), 'create', 'Salesforce', 'UTC');
    expect(graph.recurrence).toMatchObject({ range: { type: 'numbered', numberOfOccurrences: 4 } });
  });
});

describe('fields → Salesforce row', () => {
  it('all-day: ActivityDate and 1440 minutes a day', () => {
    expect(eventFieldsToRow({ subject: 'Offsite', isAllDay: true, startDate: '2027-03-01', endDate: '2027-03-03' })).toMatchObject({ IsAllDayEvent: true, ActivityDate: '2027-03-01', DurationInMinutes: 4320 });
  });

  it('timed: start, end and duration; a reminder relative to the start', () => {
    expect(eventFieldsToRow({ start: '2027-03-29T07:00:00.000Z', end: '2027-03-29T07:45:00.000Z', reminderMinutes: 10 })).toMatchObject({
      StartDateTime: '2027-03-29T07:00:00.000Z', EndDateTime: '2027-03-29T07:45:00.000Z', DurationInMinutes: 45, IsReminderSet: true, ReminderDateTime: '2027-03-29T06:50:00.000Z',
    });
  });

  it('a responses-only patch still names the invitees it answers for', () => {
    const row = eventFieldsToRow({ responses: { 'guest@x.test': 'Accepted' } });
    expect(JSON.parse(String(row[ATTENDEES_FIELD]))).toEqual([{ address: 'guest@x.test', status: 'Accepted' }]);
  });

  it('a weekly pattern sets the Recurrence fields', () => {
    const row = eventFieldsToRow({ start: '2027-03-01T08:00:00.000Z', end: '2027-03-01T08:15:00.000Z', recurrence: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'], startDate: '2027-03-01', endDate: '2027-03-14' } });
    expect(row).toMatchObject({ IsRecurrence: true, RecurrenceType: 'RecursWeekly', RecurrenceInterval: 1, RecurrenceDayOfWeekMask: 2 | 8, RecurrenceEndDateOnly: '2027-03-14' });
  });

  it('"end after N occurrences" ends on the date of the N-th (Salesforce needs an end date)', () => {
    const row = eventFieldsToRow({ start: '2027-03-01T08:00:00.000Z', end: '2027-03-01T08:15:00.000Z', recurrence: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'], startDate: '2027-03-01', count: 5 } });
    expect(row).toMatchObject({ IsRecurrence: true, RecurrenceEndDateOnly: '2027-03-15' });
  });
});

describe('Graph event ↔ fields', () => {
  it('an occurrence gets its own key; markers say type, master, category and meeting', () => {
    const f = eventItemToFields({
      id: 'occ1', type: 'occurrence', seriesMasterId: 'm1', iCalUId: 'UID', originalStart: '2027-03-08T10:00:00Z', subject: 'Weekly', categories: ['salesforce'],
      start: { dateTime: '2027-03-08T10:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2027-03-08T10:30:00.0000000', timeZone: 'UTC' },
      attendees: [{ emailAddress: { address: 'a@x.test' }, type: 'required', status: { response: 'tentativelyAccepted' } }],
      body: { contentType: 'html', content: '<html><body><p>Agenda</p></body></html>' },
    }, 'Salesforce');
    expect(f).toMatchObject({ iCalUId: 'UID:2027-03-08T10:00:00.000Z', __type: 'occurrence', __master: 'm1', __tagged: true, __meeting: true, description: 'Agenda', responses: { 'a@x.test': 'Maybe' } });
  });

  it('writes never carry attendees; an update carries only what the patch touches', () => {
    const fields = { subject: 'Review', start: '2027-03-29T07:00:00.000Z', end: '2027-03-29T08:00:00.000Z', attendees: ['a@x.test'] };
    const create = eventFieldsToGraph(fields, 'create', 'Salesforce', 'Europe/Berlin');
    expect(create.attendees).toBeUndefined();
    expect(create).toMatchObject({ categories: ['Salesforce'], start: { dateTime: '2027-03-29T09:00:00', timeZone: 'W. Europe Standard Time' } });
    expect(Object.keys(eventFieldsToGraph({ subject: 'New', attendees: ['b@x.test'] }, 'update', 'Salesforce', 'UTC'))).toEqual(['subject']);
  });

  it('Salesforce → Graph → fields is a fixpoint for a timed event in a DST zone', () => {
    const row = { Id: '00U000000000001AAA', Subject: 'DST', Location: 'Room 1', StartDateTime: '2027-03-29T07:00:00.000+0000', EndDateTime: '2027-03-29T08:00:00.000+0000', ShowAs: 'Free', IsReminderSet: true, ReminderDateTime: '2027-03-29T06:45:00.000+0000' };
    const fields = stripMarkers(eventRowToFields(row));
    const graph = eventFieldsToGraph(fields, 'create', 'Salesforce', 'Europe/Berlin');
    expect(stripMarkers(eventItemToFields({ id: 'e1', ...graph }, 'Salesforce'))).toEqual(fields);
  });
});
