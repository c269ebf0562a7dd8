// Calendar scenarios with the real Graph client: a weekly series with one moved and one
// cancelled occurrence in calendarView, calendarView/delta, time zones (Windows names and
// Prefer: outlook.timezone), all-day rules, transactionId idempotency, invitation counting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator } from './index.ts';
import { graphClient, type TestClient } from './test-client.ts';

const MB = 'frank@contoso.example';
const PT = 'Pacific Standard Time';
let emu: GraphEmulator;
let tc: TestClient;
const win = 'startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-15T00:00:00Z';

beforeAll(async () => {
  emu = await startGraphEmulator();
  emu.admin.addMailbox({ address: MB, timeZone: PT });
  tc = graphClient(emu);
});
afterAll(async () => {
  await tc.close();
  await emu.close();
});

const weekly = (subject: string) => ({
  subject,
  start: { dateTime: '2026-03-02T09:00:00', timeZone: PT },
  end: { dateTime: '2026-03-02T09:30:00', timeZone: PT },
  recurrence: {
    pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'sunday' },
    range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 6 },
  },
});

async function drain(url: string) {
  let res = await tc.client.api(url).get();
  const all = [...res.value];
  while (res['@odata.nextLink']) { res = await tc.client.api(res['@odata.nextLink']).get(); all.push(...res.value); }
  return { all, link: res['@odata.deltaLink'] as string };
}

describe('calendar', () => {
  it('shows a weekly series with one moved and one cancelled occurrence in calendarView', async () => {
    const master = await tc.client.api(`/users/${MB}/events`).post(weekly('Standup'));
    expect(master.type).toBe('seriesMaster');
    expect(master.iCalUId).toMatch(/^040000008200E00074C5B7101A82E008/);
    const occ = await tc.client.api(`/users/${MB}/events/${master.id}/instances?${win}`).get();
    expect(occ.value).toHaveLength(6);
    // move the 3rd to Tuesday afternoon, cancel the 4th
    await tc.client.api(`/users/${MB}/events/${occ.value[2].id}`).patch({
      start: { dateTime: '2026-03-17T14:00:00', timeZone: PT }, end: { dateTime: '2026-03-17T14:30:00', timeZone: PT },
    });
    await tc.client.api(`/users/${MB}/events/${occ.value[3].id}`).delete();

    // a per-request Prefer header replaces the client's default one: repeat IdType in it
    const view = await tc.client.api(`/users/${MB}/calendarView?${win}`).header('Prefer', `outlook.timezone="${PT}", IdType="ImmutableId"`).top(50).get();
    const rows = view.value.map((e: { type: string; start: { dateTime: string; timeZone: string }; seriesMasterId: string }) => [e.type, e.start.dateTime, e.start.timeZone, e.seriesMasterId === master.id]);
    expect(rows).toEqual([
      ['occurrence', '2026-03-02T09:00:00.0000000', PT, true],
      ['occurrence', '2026-03-09T09:00:00.0000000', PT, true],
      ['exception', '2026-03-17T14:00:00.0000000', PT, true],
      ['occurrence', '2026-03-30T09:00:00.0000000', PT, true],
      ['occurrence', '2026-04-06T09:00:00.0000000', PT, true],
    ]);
    // without a preference Graph answers in UTC (DST began on 8 March)
    const utc = await tc.client.api(`/users/${MB}/calendarView?${win}`).top(2).get();
    expect(utc.value.map((e: { start: { dateTime: string; timeZone: string } }) => e.start)).toEqual([
      { dateTime: '2026-03-02T17:00:00.0000000', timeZone: 'UTC' },
      { dateTime: '2026-03-09T16:00:00.0000000', timeZone: 'UTC' },
    ]);
    // /events lists the series master, not its instances
    const events = await tc.client.api(`/users/${MB}/events`).get();
    expect(events.value.filter((e: { subject: string }) => e.subject === 'Standup').map((e: { type: string }) => e.type)).toEqual(['seriesMaster']);
    await expect(tc.client.api(`/users/${MB}/events/${occ.value[3].id}`).get()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('reports instances in calendarView/delta and a cancelled one as @removed', async () => {
    const w = 'startDateTime=2026-06-01T00:00:00Z&endDateTime=2026-07-01T00:00:00Z';
    const series = await tc.client.api(`/users/${MB}/events`).post({ ...weekly('Delta series'), start: { dateTime: '2026-06-01T10:00:00', timeZone: PT }, end: { dateTime: '2026-06-01T11:00:00', timeZone: PT }, recurrence: { pattern: { type: 'weekly', daysOfWeek: ['monday'] }, range: { type: 'endDate', startDate: '2026-06-01', endDate: '2026-06-22' } } });
    const single = emu.admin.userCreateEvent(MB, null, { subject: 'Lunch', start: { dateTime: '2026-06-03T12:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-06-03T13:00:00', timeZone: 'UTC' } });
    const first = await drain(`/users/${MB}/calendarView/delta?${w}`);
    const mine = first.all.filter((e) => e.seriesMasterId === series.id || e.id === single);
    expect(mine).toHaveLength(5);
    expect(first.link).toContain('startDateTime=');
    const cancelId = mine.find((e) => e.start?.dateTime.startsWith('2026-06-08'))!.id;
    await tc.client.api(`/users/${MB}/events/${cancelId}/cancel`).post({ comment: 'no standup' });
    emu.admin.userDeleteEvent(MB, single);
    const second = await drain(first.link);
    const removed = second.all.filter((e) => e['@removed']).map((e) => e.id).sort();
    expect(removed).toEqual([cancelId, single].sort());
    expect(second.all.filter((e) => !e['@removed'])).toHaveLength(3);
  });

  it('converts Windows zones, enforces all-day rules, and is idempotent by transactionId', async () => {
    const ev = await tc.client.api(`/users/${MB}/events`).header('Prefer', 'outlook.timezone="W. Europe Standard Time", IdType="ImmutableId"').post({
      subject: 'Call', start: { dateTime: '2026-01-15T09:00:00', timeZone: 'Eastern Standard Time' }, end: { dateTime: '2026-01-15T10:00:00', timeZone: 'Eastern Standard Time' },
    });
    expect(ev.start).toEqual({ dateTime: '2026-01-15T15:00:00.0000000', timeZone: 'W. Europe Standard Time' });
    expect(ev.originalStartTimeZone).toBe('Eastern Standard Time');

    await expect(tc.client.api(`/users/${MB}/events`).post({
      subject: 'Bad all-day', isAllDay: true, start: { dateTime: '2026-01-15T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-01-16T00:00:00', timeZone: 'UTC' },
    })).rejects.toMatchObject({ statusCode: 400 });
    const allDay = await tc.client.api(`/users/${MB}/events`).post({
      subject: 'Holiday', isAllDay: true, start: { dateTime: '2026-01-15', timeZone: PT }, end: { dateTime: '2026-01-16', timeZone: PT },
    });
    expect(allDay.isAllDay).toBe(true);

    const body = { subject: 'Once', transactionId: 'tx-123', start: { dateTime: '2026-02-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-02-01T11:00:00', timeZone: 'UTC' } };
    const a = await tc.client.api(`/users/${MB}/events`).post(body);
    const b = await tc.client.api(`/users/${MB}/events`).post(body);
    expect(b.id).toBe(a.id);
    expect(emu.admin.items(MB, 'event').filter((e) => e.subject === 'Once')).toHaveLength(1);
  });

  it('finds events by iCalUId and by the stamped extended property', async () => {
    const SFID = 'String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name SalesforceId';
    const ev = await tc.client.api(`/users/${MB}/events`).post({
      subject: 'Stamped', start: { dateTime: '2026-02-05T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-02-05T11:00:00', timeZone: 'UTC' },
      singleValueExtendedProperties: [{ id: SFID, value: '00U000000000001' }],
    });
    const byUid = await tc.client.api(`/users/${MB}/events`).filter(`iCalUId eq '${ev.iCalUId}'`).get();
    expect(byUid.value.map((e: { id: string }) => e.id)).toEqual([ev.id]);
    const byStamp = await tc.client.api(`/users/${MB}/events`)
      .filter(`singleValueExtendedProperties/any(ep: ep/id eq '${SFID}' and ep/value eq '00U000000000001')`)
      .expand(`singleValueExtendedProperties($filter=id eq '${SFID}')`).get();
    expect(byStamp.value).toHaveLength(1);
    expect(byStamp.value[0].singleValueExtendedProperties[0].value).toBe('00U000000000001');
  });

  it('counts the invitations Exchange would send, and none without attendees', async () => {
    const before = emu.admin.counters().sentInvitations;
    const ev = await tc.client.api(`/users/${MB}/events`).post({
      subject: 'Plain', start: { dateTime: '2026-02-02T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-02-02T11:00:00', timeZone: 'UTC' },
      body: { contentType: 'text', content: 'Attendees: ann@fabrikam.example' },
    });
    await tc.client.api(`/users/${MB}/events/${ev.id}`).patch({ subject: 'Plain 2' });
    expect(emu.admin.counters().sentInvitations).toBe(before);
    const meeting = await tc.client.api(`/users/${MB}/events`).post({
      subject: 'Meeting', start: { dateTime: '2026-02-03T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-02-03T11:00:00', timeZone: 'UTC' },
      attendees: [{ emailAddress: { address: 'ann@fabrikam.example' } }, { emailAddress: { address: 'bob@fabrikam.example' } }],
    });
    expect(meeting.attendees[0].status.response).toBe('none');
    expect(emu.admin.counters().sentInvitations).toBe(before + 2);
  });
});
