// Calendar rules of the event sides, over an in-memory inner side: scope by category or stamp,
// series masters vs occurrences, private policies, and the no-invitation guards on meetings.
import { describe, expect, it } from 'vitest';
import type { Current, RecordSide } from '../core/ports.ts';
import type { Change, Fields, SideRecord } from '../core/types.ts';
import { exchangeEventSide, salesforceEventSide, uniqueNaturalPairs } from './events-sides.ts';

const T = { start: '2027-03-29T07:00:00.000Z', end: '2027-03-29T08:00:00.000Z' };

function fake(records: SideRecord[]): RecordSide & { writes: Array<{ op: string; id: string; fields?: Fields }> } {
  const byId = new Map(records.map((r) => [r.id, r]));
  const writes: Array<{ op: string; id: string; fields?: Fields }> = [];
  return {
    side: 'exchange',
    writes,
    async changesSince() {
      return { changes: records.map((record): Change => ({ side: 'exchange', kind: 'event', type: 'upsert', record })), cursor: 'c', listing: 'ok' };
    },
    async get(_kind, id): Promise<Current> {
      return byId.get(id) ?? 'deleted';
    },
    async candidates() {
      return [];
    },
    async create(_kind, key, fields) {
      writes.push({ op: 'create', id: key, fields });
      return { ok: true, record: { id: 'new', version: '1', fields, stamp: key } };
    },
    async update(_kind, id, _v, patch) {
      writes.push({ op: 'update', id, fields: patch });
      return { ok: true, record: { ...byId.get(id)!, fields: { ...byId.get(id)!.fields, ...patch } } };
    },
    async delete(_kind, id) {
      writes.push({ op: 'delete', id });
      return { ok: true };
    },
  };
}

const rec = (id: string, fields: Fields, stamp?: string): SideRecord => ({ id, version: 'v', fields, ...(stamp ? { stamp } : {}) });

describe('Exchange event side', () => {
  it('scope: stamped or categorised events only; markers never reach the engine', async () => {
    const inner = fake([rec('a', { subject: 'tagged', ...T, __tagged: true, __type: 'singleInstance' }), rec('b', { subject: 'plain', ...T, __tagged: false }), rec('c', { subject: 'ours', ...T, __tagged: false }, '00U1')]);
    const side = exchangeEventSide(inner, { policy: 'Sync' });
    const page = await side.changesSince('event', null);
    expect(page.changes.map((c) => `${c.type}:${c.type === 'upsert' ? c.record.id : c.id}`)).toEqual(['upsert:a', 'out-of-scope:b', 'upsert:c']);
    const a = page.changes[0] as Extract<Change, { type: 'upsert' }>;
    expect(Object.keys(a.record.fields).some((k) => k.startsWith('__'))).toBe(false);
    expect(await exchangeEventSide(inner, { policy: 'Sync', allEvents: true }).get('event', 'b')).toMatchObject({ id: 'b' });
  });

  it('an occurrence of a series we wrote reads as its master; an Outlook series master reads as gone', async () => {
    const inner = fake([
      rec('m', { subject: 'SF series', ...T, __type: 'seriesMaster', recurrence: { type: 'daily', interval: 1, startDate: '2027-03-29' } }, '00U1'),
      rec('o1', { subject: 'SF series', ...T, __type: 'occurrence', __master: 'm', __tagged: true }),
      rec('o2', { subject: 'SF series', ...T, __type: 'occurrence', __master: 'm', __tagged: true }),
      rec('x', { subject: 'Outlook series', ...T, __type: 'seriesMaster', __tagged: true }),
      rec('x1', { subject: 'Outlook series', ...T, __type: 'occurrence', __master: 'x', __tagged: true }),
    ]);
    const page = await exchangeEventSide(inner, { policy: 'Sync' }).changesSince('event', null);
    expect(page.changes.map((c) => `${c.type}:${c.type === 'upsert' ? c.record.id : c.id}`)).toEqual(['upsert:m', 'delete:x', 'upsert:x1']);
  });

  it('private events: Skip is out of scope, Busy Placeholder hides the details', async () => {
    const inner = fake([rec('p', { subject: 'Doctor', description: 'secret', ...T, isPrivate: true, showAs: 'Busy', __tagged: true })]);
    expect(await exchangeEventSide(inner, { policy: 'Skip' }).get('event', 'p')).toBe('out-of-scope');
    const seen = (await exchangeEventSide(inner, { policy: 'Busy Placeholder' }).get('event', 'p')) as SideRecord;
    expect(seen.fields).toEqual({ subject: 'Busy', isPrivate: true, showAs: 'Busy', ...T });
  });

  it('a meeting is never changed in what Exchange would mail about, nor deleted', async () => {
    const inner = fake([rec('mt', { subject: 'Meeting', ...T, showAs: 'Busy', attendees: ['a@x.test'], __tagged: true, __meeting: true })]);
    const side = exchangeEventSide(inner, { policy: 'Sync' });
    const result = await side.update('event', 'mt', 'v', { subject: 'Renamed', start: '2027-03-29T09:00:00.000Z', showAs: 'Free' });
    expect(result.ok).toBe(true);
    expect(inner.writes).toEqual([{ op: 'update', id: 'mt', fields: { showAs: 'Free' } }]);
    await side.update('event', 'mt', 'v', { subject: 'Only the subject' });
    expect(inner.writes).toHaveLength(1);
    expect(await side.delete('event', 'mt', 'v')).toEqual({ ok: true });
    expect(inner.writes.some((w) => w.op === 'delete')).toBe(false);
  });

  it('a time patch on a plain event is completed with the current times', async () => {
    const inner = fake([rec('e', { subject: 'Plain', ...T, __tagged: true })]);
    await exchangeEventSide(inner, { policy: 'Sync' }).update('event', 'e', 'v', { end: '2027-03-29T09:00:00.000Z' });
    expect(inner.writes[0]!.fields).toMatchObject({ start: T.start, end: '2027-03-29T09:00:00.000Z' });
  });
});

describe('Salesforce event side', () => {
  it('occurrence rows of a Salesforce series are out of scope; private policy applies', async () => {
    const inner = fake([rec('00U1', { subject: 'Child', ...T, __child: true }), rec('00U2', { subject: 'Private', ...T, isPrivate: true })]);
    expect(await salesforceEventSide(inner, 'Sync').get('event', '00U1')).toBe('out-of-scope');
    expect(((await salesforceEventSide(inner, 'Busy Placeholder').get('event', '00U2')) as SideRecord).fields.subject).toBe('Busy');
    expect(await salesforceEventSide(inner, 'Skip').get('event', '00U2')).toBe('out-of-scope');
  });
});

describe('first-sync candidates and held-back edits', () => {
  it('candidates: the calendar around the starts, with or without the category, never our series occurrences', async () => {
    const windows: string[] = [];
    const raw = [
      rec('plain', { subject: 'Plan', ...T, __tagged: false, __type: 'singleInstance', __meeting: false }),
      rec('occ', { subject: 'Ours', ...T, __type: 'occurrence', __master: 'master' }),
    ];
    const side = exchangeEventSide(fake([rec('master', { subject: 'Ours', __type: 'seriesMaster' }, '00U1')]), {
      policy: 'Sync',
      calendarView: async (start, end) => {
        windows.push(`${start}/${end}`);
        return raw;
      },
    });
    const found = await side.candidates('event', [rec('sf', { subject: 'Plan', ...T })]);
    expect(found.map((r) => r.id)).toEqual(['plain']);
    expect(found[0]!.fields).not.toHaveProperty('__tagged');
    expect(windows).toEqual(['2027-03-28T07:00:00.000Z/2027-03-30T07:00:00.000Z']);
  });

  it('an unlinked event leaving scope is not reported (it stays matchable); a linked one is', async () => {
    const side = exchangeEventSide(fake([rec('a', { subject: 'A', ...T, __tagged: false }), rec('b', { subject: 'B', ...T, __tagged: false })]), {
      policy: 'Sync',
      linked: async () => new Set(['b']),
    });
    const page = await side.changesSince('event', null);
    expect(page.changes.map((c) => `${c.type}:${c.type === 'upsert' ? c.record.id : c.id}`)).toEqual(['upsert:b']);
  });

  it('a meeting edit held back is reported once per call with the patch fields only', async () => {
    const held: unknown[] = [];
    const side = exchangeEventSide(fake([rec('m', { subject: 'Review', ...T, __meeting: true }, '00U2')]), { policy: 'Sync', skipped: async (h) => void held.push(h) });
    await side.update('event', 'm', 'v', { subject: 'Review (moved)' });
    expect(held).toEqual([{ reason: 'meeting-fields', exchangeId: 'm', fields: { subject: 'Review (moved)' } }]);
  });

  it('stamps an unstamped candidate paired one-to-one by natural key, and hands it on at its new version', async () => {
    const stamps: string[] = [];
    const raw = [rec('plain', { subject: 'Plan', ...T, __type: 'singleInstance' }), rec('twin1', { subject: 'Twin', ...T }), rec('twin2', { subject: 'Twin', ...T })];
    const side = exchangeEventSide(fake([]), {
      policy: 'Sync',
      calendarView: async () => raw,
      stamp: async (id, sf) => {
        stamps.push(`${id}:${sf}`);
        return 'v2';
      },
    });
    const found = await side.candidates('event', [rec('sf1', { subject: 'Plan', ...T }), rec('sf2', { subject: 'Twin', ...T })]);
    // a key held by two Outlook events pairs nothing: the planner decides those
    expect(stamps).toEqual(['plain:sf1']);
    expect(found.find((r) => r.id === 'plain')).toMatchObject({ version: 'v2' });
    expect(found.find((r) => r.id === 'plain')?.stamp).toBeUndefined();
    expect(uniqueNaturalPairs([rec('sf', { iCalUId: 'u1', subject: 'X', ...T })], [rec('ex', { iCalUId: 'u1', subject: 'Y', ...T })]).get('ex')?.id).toBe('sf');
  });
});
