import { describe, expect, it } from 'vitest';
import { occurrenceDiff, ownEdit, pairOccurrences, privateView, seriesKeyOf, type OccurrenceInstance, type OccurrenceRow } from './events-occurrences.ts';

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

describe('occurrenceDiff and ownEdit', () => {
  it('a moved occurrence carries all its time fields; a text edit only the text', () => {
    expect(occurrenceDiff(row('r', '2026-12-16T12:00:00.000Z').fields, instance('i', '2026-12-16T08:00:00.000Z').fields)).toEqual({
      start: '2026-12-16T12:00:00.000Z',
      end: '2026-12-16T12:15:00.000Z',
      isAllDay: false,
    });
    expect(occurrenceDiff(row('r', '2026-12-16T08:00:00.000Z', { location: 'Room 7' }).fields, instance('i', '2026-12-16T08:00:00.000Z').fields)).toEqual({ location: 'Room 7' });
  });

  it('a row like its master, or older than the master (a series edit not yet on the rows), is no edit of its own', () => {
    const master = row('m', '2026-12-14T08:00:00.000Z', {}, 2000);
    expect(ownEdit(row('r', '2026-12-16T08:00:00.000Z', {}, 3000), master)).toBe(false);
    expect(ownEdit(row('r', '2026-12-16T08:00:00.000Z', { location: 'Room 7' }, 3000), master)).toBe(true);
    expect(ownEdit(row('r', '2026-12-16T08:00:00.000Z', { subject: 'Old subject' }, 1000), master)).toBe(false);
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
