// RRULE (Salesforce Recurrence 2.0) ↔ neutral recurrence: the patterns Outlook can express
// round-trip; the rest is refused with the offending part named.
import { describe, expect, it } from 'vitest';
import { RruleError, fromRrule, toRrule } from './rrule.ts';

describe('RRULE ↔ neutral recurrence', () => {
  it.each([
    ['FREQ=DAILY;INTERVAL=2;COUNT=5', { type: 'daily', interval: 2, count: 5 }],
    ['FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE;UNTIL=20270314', { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'], endDate: '2027-03-14' }],
    ['FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15', { type: 'absoluteMonthly', interval: 1, dayOfMonth: 15 }],
    ['FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR', { type: 'relativeMonthly', interval: 3, daysOfWeek: ['friday'], index: 'last' }],
    ['FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1', { type: 'absoluteYearly', interval: 1, dayOfMonth: 1, month: 3 }],
    ['FREQ=YEARLY;BYMONTH=11;BYDAY=4TH', { type: 'relativeYearly', interval: 1, daysOfWeek: ['thursday'], index: 'fourth', month: 11 }],
  ])('%s', (rule, expected) => {
    const rec = fromRrule(`RRULE:${rule}`, '2027-03-01');
    expect(rec).toEqual({ ...expected, startDate: '2027-03-01' });
    expect(fromRrule(toRrule(rec), '2027-03-01')).toEqual(rec);
  });

  it('a weekly rule without BYDAY repeats on the start day; BYSETPOS gives the position', () => {
    expect(fromRrule('FREQ=WEEKLY', '2027-03-03').daysOfWeek).toEqual(['wednesday']);
    expect(fromRrule('FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2', '2027-03-01')).toMatchObject({ type: 'relativeMonthly', index: 'second', daysOfWeek: ['tuesday'] });
  });

  it('refuses what Outlook cannot express', () => {
    expect(() => fromRrule('FREQ=HOURLY', '2027-03-01')).toThrow(RruleError);
    expect(() => fromRrule('FREQ=WEEKLY;BYHOUR=9', '2027-03-01')).toThrow(/BYHOUR/);
    expect(() => fromRrule('FREQ=MONTHLY;BYMONTHDAY=1,15', '2027-03-01')).toThrow(/BYMONTHDAY/);
    expect(() => fromRrule('FREQ=MONTHLY;BYDAY=1MO,3MO', '2027-03-01')).toThrow(/positions/);
  });
});
