// Recurrence expansion table: the six pattern types and three range types, on local dates
// in the recurrence time zone (across a DST change).
import { describe, expect, it } from 'vitest';
import { expand, type Recurrence } from './recurrence.ts';
import { fromWall } from './timezones.ts';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const from = Date.parse('2026-01-01T00:00:00Z');
const to = Date.parse('2028-01-01T00:00:00Z');
const run = (rec: Recurrence, start: string, zone = 'UTC') => expand(rec, Date.parse(start), zone, from, to);

describe('patternedRecurrence expansion', () => {
  it('daily every 2 days until an inclusive end date', () => {
    const r = run({ pattern: { type: 'daily', interval: 2 }, range: { type: 'endDate', startDate: '2026-01-01', endDate: '2026-01-09' } }, '2026-01-01T10:00:00Z');
    expect(r.map(day)).toEqual(['2026-01-01', '2026-01-03', '2026-01-05', '2026-01-07', '2026-01-09']);
  });
  it('weekly on Monday and Thursday every other week, numbered', () => {
    const r = run({ pattern: { type: 'weekly', interval: 2, daysOfWeek: ['monday', 'thursday'], firstDayOfWeek: 'sunday' }, range: { type: 'numbered', startDate: '2026-01-05', numberOfOccurrences: 5 } }, '2026-01-05T09:00:00Z');
    expect(r.map(day)).toEqual(['2026-01-05', '2026-01-08', '2026-01-19', '2026-01-22', '2026-02-02']);
  });
  it('weekly keeps the local time across a DST change', () => {
    const zone = 'Pacific Standard Time';
    const start = fromWall(2026, 3, 2, 9, 0, 0, zone);
    const r = expand({ pattern: { type: 'weekly', daysOfWeek: ['monday'] }, range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 2 } }, start, zone, from, to);
    expect(r.map((t) => new Date(t).toISOString())).toEqual(['2026-03-02T17:00:00.000Z', '2026-03-09T16:00:00.000Z']);
  });
  it('absoluteMonthly on day 31 falls on the last day of shorter months', () => {
    const r = run({ pattern: { type: 'absoluteMonthly', dayOfMonth: 31 }, range: { type: 'numbered', startDate: '2026-01-31', numberOfOccurrences: 4 } }, '2026-01-31T08:00:00Z');
    expect(r.map(day)).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
  });
  it('relativeMonthly on the last Friday every 3 months', () => {
    const r = run({ pattern: { type: 'relativeMonthly', interval: 3, daysOfWeek: ['friday'], index: 'last' }, range: { type: 'numbered', startDate: '2026-01-01', numberOfOccurrences: 3 } }, '2026-01-30T08:00:00Z');
    expect(r.map(day)).toEqual(['2026-01-30', '2026-04-24', '2026-07-31']);
  });
  it('absoluteYearly and relativeYearly', () => {
    const a = run({ pattern: { type: 'absoluteYearly', month: 7, dayOfMonth: 4 }, range: { type: 'noEnd', startDate: '2026-01-01' } }, '2026-07-04T00:00:00Z');
    expect(a.map(day)).toEqual(['2026-07-04', '2027-07-04']);
    const r = run({ pattern: { type: 'relativeYearly', month: 11, daysOfWeek: ['thursday'], index: 'fourth' }, range: { type: 'noEnd', startDate: '2026-01-01' } }, '2026-11-26T00:00:00Z');
    expect(r.map(day)).toEqual(['2026-11-26', '2027-11-25']);
  });
  it('noEnd stops at the window end', () => {
    const r = run({ pattern: { type: 'daily' }, range: { type: 'noEnd', startDate: '2026-01-01' } }, '2026-01-01T00:00:00Z');
    expect(r).toHaveLength(730);
  });
});
