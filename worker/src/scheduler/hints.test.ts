// Hint sources: what a notification or change event says changed, and the run it asks for.
import { describe, expect, it } from 'vitest';
import { graphHintSource, hintScope, hintSource } from './hints.ts';

describe('hint sources', () => {
  it('name the kind a Graph subscription watches, and whether it watches the whole mailbox', () => {
    expect(graphHintSource('/users/a@x.test/contactFolders/F1/contacts')).toBe('graph:contact');
    expect(graphHintSource('/users/a@x.test/contacts')).toBe('graph:contact:mailbox');
    expect(graphHintSource('users/a@x.test/todo/lists/L1/tasks')).toBe('graph:task');
    expect(graphHintSource('/users/a@x.test/mailFolders/M1/messages')).toBe('graph:email');
    expect(graphHintSource('/users/a@x.test/events')).toBe('graph:event');
  });

  it('hints that all name kinds make an incremental run of those kinds', () => {
    const scope = hintScope([hintSource('salesforce', 'contact'), 'graph:contact:mailbox', 'graph:task']);
    expect(scope).toEqual({ kinds: new Set(['contact', 'task']), wholeMailbox: new Set(['contact']) });
  });

  it('any hint that names no kind, or no hint at all, makes a full run', () => {
    expect(hintScope([])).toBeUndefined();
    expect(hintScope(['graph:contact', 'graph-lifecycle'])).toBeUndefined();
    expect(hintScope(['salesforce'])).toBeUndefined();
    expect(hintScope(['sync-now'])).toBeUndefined();
    expect(hintScope(['graph:folder'])).toBeUndefined();
    expect(hintScope(['graph:contact:elsewhere'])).toBeUndefined();
  });
});
