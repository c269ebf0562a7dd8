// The task map's update path: a patch writes only what it names, categories stay the
// user's, and a To Do body is kept verbatim (leading and trailing spaces are content).
import { describe, expect, it } from 'vitest';
import type { MapIssue } from '../limits.ts';
import { UnreadableFieldError, exchangePatch, fromExchange, salesforcePatch } from './task.ts';

describe('task patches', () => {
  it('a Salesforce patch names only the patched fields', () => {
    expect(salesforcePatch({ status: 'Completed' }, {}, [])).toEqual({ Status: 'Completed' });
    expect(salesforcePatch({ reminder: null }, {}, [])).toEqual({ IsReminderSet: false, ReminderDateTime: null });
  });

  it('an over-long subject is cut to the describe limit and reported', () => {
    const issues: MapIssue[] = [];
    expect(salesforcePatch({ subject: 'S'.repeat(300) }, { Subject: 255 }, issues).Subject).toHaveLength(255);
    expect(issues.map((i) => i.code)).toEqual(['truncated']);
  });

  it('a To Do patch sends only the touched properties and no categories', () => {
    expect(exchangePatch({ status: 'Completed' }, 'UTC', [])).toEqual({ status: 'completed' });
    expect(exchangePatch({ subject: 'Call back', dueDate: null }, 'UTC', [])).toEqual({ title: 'Call back', dueDateTime: null });
  });

  it('keeps a To Do body verbatim', () => {
    expect(fromExchange({ title: 'T', body: { content: '  indented\n', contentType: 'text' } }, 'UTC').description).toBe('  indented\n');
  });
});

describe('unreadable To Do fields', () => {
  it('a malformed due date throws an error naming the field and the value', () => {
    const read = () => fromExchange({ title: 'x', dueDateTime: { dateTime: 'yesterday-ish', timeZone: 'Nowhere/Zone' } }, 'UTC');
    expect(read).toThrow(UnreadableFieldError);
    expect(read).toThrow(/due date "yesterday-ish" in time zone "Nowhere\/Zone"/);
  });
});
