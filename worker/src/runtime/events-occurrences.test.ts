import { describe, expect, it } from 'vitest';
import { mergeOccurrence, pairOccurrences, seriesBase, privateView, seriesKeyOf, type OccurrenceInstance, type OccurrenceRow } from './events-occurrences.ts';

const row = (id: string, start: string, extra: Record<string, string> = {}, modified?: number): OccurrenceRow => ({
  id,
  fields: { subject: 'Standup', start, end: new Date(Date.parse(start) + 15 * 60_000).toISOString(), ...extra },
  ...(modified !== undefined ? { modified } : {}),
});
const instance = (id: string, originalStart: string, start = originalStart, exception = false): OccurrenceInstance => ({
  id,
  originalStart,
  exception,
  meeting: false,
  fields: { subject: 'Standup', start, end: new Date(Date.parse(start) + 15 * 60_000).toISOString() },
});

describe('pairOccurrences', () => {
  const instances = [instance('i1', '2026-12-14T08:00:00.000Z'), instance('i2', '2026-12-16T08:00:00.000Z'), instance('i3', '2026-12-21T08:00:00.000Z')];

  it('pairs unmoved rows by start and a row moved within its day by the original day', () => {
    const { pairs, rows, instances: left } = pairOccurrences([row('r1', '2026-12-14T08:00:00.000Z'), row('r2', '2026-12-16T12:00:00.000Z'), row('r3', '2026-12-21T08:00:00.000Z')], instances);
    expect([...pairs].map(([r, i]) => `${r}:${i.id}`)).toEqual(['r1:i1', 'r3:i3', 'r2:i2']);
    expect(rows).toEqual([]);
    expect(left).toEqual([]);
  });

  it('pairs a row moved to another day with the one instance left over, unless told not to guess', () => {
    const rows = [row('r1', '2026-12-14T08:00:00.000Z'), row('r2', '2026-12-18T08:00:00.000Z'), row('r3', '2026-12-21T08:00:00.000Z')];
    expect(pairOccurrences(rows, instances).pairs.get('r2')?.id).toBe('i2');
    expect(pairOccurrences(rows, instances, { leftovers: false }).pairs.has('r2')).toBe(false);
  });

  it('leaves a row without an instance (cancelled in Outlook) over', () => {
    const { rows } = pairOccurrences([row('r1', '2026-12-14T08:00:00.000Z'), row('r2', '2026-12-16T08:00:00.000Z'), row('r3', '2026-12-21T08:00:00.000Z')], instances.slice(0, 2));
    expect(rows.map((r) => r.id)).toEqual(['r3']);
  });
});

describe('mergeOccurrence', () => {
  const at = (start: string, extra: Record<string, string> = {}) => row('x', start, extra).fields;
  const base = at('2026-12-16T08:00:00.000Z');
  const merge = (r: ReturnType<typeof at>, i: ReturnType<typeof at>, over: Partial<Parameters<typeof mergeOccurrence>[0]> = {}) =>
    mergeOccurrence({ base, row: r, instance: i, rowEdited: true, instanceEdited: true, winner: 'salesforce', ...over });

  it('edited in both, different fields → merged: each side gets the other one\'s field (a move carries all its time fields)', () => {
    const m = merge(at('2026-12-16T08:00:00.000Z', { location: 'Room 7' }), at('2026-12-16T12:00:00.000Z'));
    expect(m.conflicts).toEqual([]);
    expect(m.toInstance).toEqual({ location: 'Room 7' });
    expect(m.toRow).toEqual({ start: '2026-12-16T12:00:00.000Z', end: '2026-12-16T12:15:00.000Z', isAllDay: false });
    expect(m.merged).toMatchObject({ location: 'Room 7', start: '2026-12-16T12:00:00.000Z' });
  });

  it('edited in both, same field → the winner kept, the loser recorded', () => {
    const m = merge(at('2026-12-16T08:00:00.000Z', { location: 'Room 7' }), at('2026-12-16T08:00:00.000Z', { location: 'Room 9' }));
    expect(m.toInstance).toEqual({ location: 'Room 7' });
    expect(m.toRow).toEqual({});
    expect(m.conflicts).toEqual([{ field: 'location', base: null, salesforce: 'Room 7', exchange: 'Room 9', winner: 'salesforce' }]);
    const outlookWins = merge(at('2026-12-16T08:00:00.000Z', { location: 'Room 7' }), at('2026-12-16T08:00:00.000Z', { location: 'Room 9' }), { winner: 'exchange' });
    expect(outlookWins.toRow).toEqual({ location: 'Room 9' });
  });

  it('a row reverted to its base value is an edit; a plain instance or a lagging row changes nothing', () => {
    const synced = at('2026-12-16T08:00:00.000Z', { location: 'Room 7' });
    expect(merge(at('2026-12-16T08:00:00.000Z'), synced, { base: synced, instanceEdited: false }).toInstance).toEqual({ location: null });
    expect(merge(at('2026-12-16T08:00:00.000Z', { subject: 'Old subject' }), base, { rowEdited: false, instanceEdited: false })).toMatchObject({ toRow: {}, toInstance: {} });
    // a lagging row under an Outlook exception takes the exception as it is (the series' new subject too)
    expect(merge(at('2026-12-16T08:00:00.000Z', { subject: 'Old subject' }), at('2026-12-16T12:00:00.000Z'), { rowEdited: false }).toRow).toMatchObject({ subject: 'Standup', start: '2026-12-16T12:00:00.000Z' });
  });

  it('the series base is the master\'s texts at the instance\'s slot, with the master\'s length', () => {
    expect(seriesBase(row('m', '2026-12-14T08:00:00.000Z').fields, '2026-12-16T08:00:00.000Z')).toEqual({
      subject: 'Standup', location: null, description: null, isAllDay: false, start: '2026-12-16T08:00:00.000Z', end: '2026-12-16T08:15:00.000Z',
    });
  });
});

describe('seriesKeyOf and privateView', () => {
  it('a classic occurrence names its master; a Recurrence 2.0 row its ActivityRecurrence2Id; a single event nothing', () => {
    expect(seriesKeyOf({ Id: '00U2', RecurrenceActivityId: '00U1', IsRecurrence: false })).toBe('00U1');
    expect(seriesKeyOf({ Id: '00U1', RecurrenceActivityId: '00U1', IsRecurrence: true }, true)).toBe('00U1');
    expect(seriesKeyOf({ Id: '00U4', ActivityRecurrence2Id: '828A', GroupEventType: '0' })).toBe('r2:828A');
    expect(seriesKeyOf({ Id: '00U3', ActivityRecurrence2Id: '828A', GroupEventType: '3', Recurrence2PatternText: 'RRULE:FREQ=DAILY' }, true)).toBe('r2:828A');
    expect(seriesKeyOf({ Id: '00U3', ActivityRecurrence2Id: '828A', GroupEventType: '3' })).toBeUndefined();
    expect(seriesKeyOf({ Id: '00U5' })).toBeUndefined();
  });

  it('a private occurrence under Busy Placeholder is its placeholder; under Skip nothing', () => {
    const secret = row('r', '2026-12-16T08:00:00.000Z', { description: 'notes' });
    const priv = { ...secret, fields: { ...secret.fields, isPrivate: true } };
    expect(privateView(priv, 'Busy Placeholder')?.fields).toMatchObject({ subject: 'Busy', start: '2026-12-16T08:00:00.000Z' });
    expect(privateView(priv, 'Busy Placeholder')?.fields).not.toHaveProperty('description');
    expect(privateView(priv, 'Skip')).toBeUndefined();
    expect(privateView(secret, 'Skip')).toBe(secret);
  });
});
