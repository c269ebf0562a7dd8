// The date of a series' N-th occurrence: what "end after N occurrences" means as an end date.
import { describe, expect, it } from 'vitest';
import { nthOccurrenceDate } from './expand.ts';

describe('nthOccurrenceDate', () => {
  it.each([
    ['daily every 2 days, 5th', { type: 'daily', interval: 2 }, '2027-03-01', 5, '2027-03-09'],
    ['weekly Mon+Wed, 4th', { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'] }, '2027-03-01', 4, '2027-03-10'],
    ['every other week on Monday, 3rd', { type: 'weekly', interval: 2, daysOfWeek: ['monday'] }, '2027-03-01', 3, '2027-03-29'],
    ['monthly on the 15th, 3rd', { type: 'absoluteMonthly', interval: 1, dayOfMonth: 15 }, '2027-03-15', 3, '2027-05-15'],
    ['last Friday of the month, 2nd', { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' }, '2027-03-01', 2, '2027-04-30'],
    ['yearly on 1 March, 2nd', { type: 'absoluteYearly', interval: 1, dayOfMonth: 1, month: 3 }, '2027-03-01', 2, '2028-03-01'],
    ['fourth Thursday of November, 1st', { type: 'relativeYearly', interval: 1, daysOfWeek: ['thursday'], index: 'fourth', month: 11 }, '2027-01-01', 1, '2027-11-25'],
  ])('%s', (_name, rec, start, count, expected) => {
    expect(nthOccurrenceDate(rec, start, count)).toBe(expected);
  });

  it('a pattern with no occurrence gives no date', () => {
    expect(nthOccurrenceDate({ type: 'hourly' }, '2027-03-01', 1)).toBeUndefined();
  });
});
