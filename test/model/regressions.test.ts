// Shrunk counterexamples the model test and `npm run fuzz` found, kept as named scenarios.
// `crashAt` counts effects (side writes and store transactions); a create of a new pair is
// preceded by its write-ahead note, so "crash between the create and its link" is crashAt 2
// for a run with one create.
import { describe, expect, it } from 'vitest';
import { check, type Command, type Directions } from './harness.ts';

const cases: Record<string, Command[]> = {
  'a copy created just before a crash, then deleted by the user, is not created again': [
    { t: 'create', side: 'exchange', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'sync', crashAt: 2 },
    { t: 'delete', side: 'exchange', kind: 'contact', pick: 0 },
  ],
  'a Salesforce copy deleted before its link was saved takes the Exchange original with it': [
    { t: 'create', side: 'exchange', kind: 'event', fields: { subject: 'Review', start: '2026-01-01T10:00:00Z' } },
    { t: 'create', side: 'exchange', kind: 'task', fields: { subject: 'Send', status: 'Not Started' } },
    { t: 'sync', crashAt: 0, reverse: true },
    { t: 'sync', crashAt: 2, reverse: true },
    { t: 'delete', side: 'salesforce', kind: 'task', pick: 5 },
  ],
  'an edit of the source after a crash is not overwritten by the stale copy': [
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'sync', crashAt: 2 },
    { t: 'update', side: 'salesforce', kind: 'contact', pick: 1, field: 'email', value: null },
  ],
  'an edit of the copy after a crash is kept or recorded': [
    { t: 'create', side: 'salesforce', kind: 'task', fields: { subject: 'Call', dueDate: '2026-01-01', status: 'Not Started' } },
    { t: 'sync', crashAt: 3 },
    { t: 'update', side: 'exchange', kind: 'task', pick: 0, field: 'subject', value: 'Send' },
  ],
  'a value set back to its old one after a half-applied run is not lost (ABA)': [
    { t: 'create', side: 'exchange', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'sync' },
    { t: 'update', side: 'salesforce', kind: 'contact', pick: 3, field: 'accountName', value: null },
    { t: 'sync', crashAt: 1 },
    { t: 'update', side: 'salesforce', kind: 'contact', pick: 8, field: 'accountName', value: 'Acme' },
  ],
  'relinking an identical copy by stamp keeps every field': [
    { t: 'create', side: 'salesforce', kind: 'task', fields: { subject: 'Call', dueDate: '2026-01-01', status: 'Not Started' } },
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'sync', crashAt: 1 },
    { t: 'sync', crashAt: 5 },
    { t: 'delete', side: 'salesforce', kind: 'contact', pick: 0 },
  ],
  'an out-of-scope record leaves its Exchange item unlinked, not deleted': [
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'sync' },
    { t: 'scope', kind: 'contact', pick: 0 },
  ],
  'a no-op write on one side does not beat a real edit on the other': [
    { t: 'create', side: 'salesforce', kind: 'task', fields: { subject: 'Send', dueDate: '2026-01-01', status: 'Not Started' } },
    { t: 'sync' },
    { t: 'update', side: 'salesforce', kind: 'task', pick: 6, field: 'subject', value: 'Call' },
    { t: 'update', side: 'exchange', kind: 'task', pick: 9, field: 'subject', value: 'Send' },
  ],
  'an empty field is filled from the record matched by natural key': [
    { t: 'create', side: 'salesforce', kind: 'event', fields: { subject: 'Lunch', start: '2026-01-01T10:00:00Z', location: 'Here' } },
    { t: 'update', side: 'salesforce', kind: 'event', pick: 7, field: 'location', value: null },
    { t: 'create', side: 'exchange', kind: 'event', fields: { subject: 'Lunch', start: '2026-01-01T10:00:00Z', location: 'Here' } },
  ],
  'an edit of the original beats a delete of its unlinked copy (crash window)': [
    // a crash between creating the copy and saving its link; before the next run the user
    // deletes the copy and edits the original: the create note's base shows the edit, which wins
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'sync', crashAt: 2 },
    { t: 'delete', side: 'exchange', kind: 'contact', pick: 0 },
    { t: 'update', side: 'salesforce', kind: 'contact', pick: 0, field: 'email', value: 'bob@x.com' },
  ],
  'the same, the other way: an edit of the Exchange original beats a delete of its unlinked Salesforce copy': [
    { t: 'create', side: 'exchange', kind: 'task', fields: { subject: 'Call', dueDate: '2026-01-01', status: 'Not Started' } },
    { t: 'sync', crashAt: 2 },
    { t: 'delete', side: 'salesforce', kind: 'task', pick: 0 },
    { t: 'update', side: 'exchange', kind: 'task', pick: 0, field: 'status', value: 'Completed' },
  ],
  'an edit of the unlinked copy beats a delete of its original (crash window)': [
    { t: 'create', side: 'salesforce', kind: 'event', fields: { subject: 'Lunch', start: '2026-01-01T10:00:00Z', location: 'Here' } },
    { t: 'sync', crashAt: 2 },
    { t: 'delete', side: 'salesforce', kind: 'event', pick: 0 },
    { t: 'update', side: 'exchange', kind: 'event', pick: 0, field: 'location', value: null },
  ],
  'a crash after the create note but before the create makes the copy once': [
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'sync', crashAt: 1 },
    { t: 'update', side: 'salesforce', kind: 'contact', pick: 0, field: 'phone', value: '2' },
  ],
  'edits on both sides of an unlinked copy merge against the noted base': [
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'sync', crashAt: 2 },
    { t: 'update', side: 'salesforce', kind: 'contact', pick: 0, field: 'phone', value: '2' },
    { t: 'update', side: 'exchange', kind: 'contact', pick: 0, field: 'lastName', value: 'Kim' },
  ],
  'a restore (edit beat delete) cut short by a crash, then the survivor deleted: nothing comes back': [
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'sync' },
    { t: 'update', side: 'exchange', kind: 'contact', pick: 7, field: 'email', value: 'bob@x.com' },
    { t: 'delete', side: 'salesforce', kind: 'contact', pick: 0 },
    { t: 'sync', crashAt: 3 },
    { t: 'delete', side: 'exchange', kind: 'contact', pick: 0 },
  ],
  // policy (docs/sync-engine.md "What counts as an edit"): a field changed and set back to the
  // value it held at the last sync is no edit, the user's later write supersedes the first;
  // so the delete on the other side propagates
  'a value changed and changed back before the next sync is no edit: the delete on the other side wins': [
    { t: 'create', side: 'exchange', kind: 'event', fields: { subject: 'Lunch', start: '2026-01-01T11:00:00Z', location: 'Here' } },
    { t: 'sync', duplicate: false, reverse: false },
    { t: 'update', side: 'salesforce', kind: 'event', pick: 4, field: 'start', value: '2026-01-01T10:00:00Z' },
    { t: 'update', side: 'salesforce', kind: 'event', pick: 0, field: 'start', value: '2026-01-01T11:00:00Z' },
    { t: 'delete', side: 'exchange', kind: 'event', pick: 0 },
  ],
  // a pair matched by natural key is noted before its first update: after a crash the user's
  // edit breaks the natural key, the note keeps the pair and the edit reaches the other side
  'a natural-key pair patched, a crash before its link, then an edit breaking the key: one pair, edit kept': [
    { t: 'create', side: 'exchange', kind: 'task', fields: { subject: 'Call', dueDate: '2026-01-01', status: 'Not Started' } },
    { t: 'create', side: 'salesforce', kind: 'task', fields: { subject: 'Call', dueDate: '2026-01-01', status: 'Not Started' } },
    { t: 'sync', crashAt: 3, duplicate: false, reverse: false },
    { t: 'update', side: 'exchange', kind: 'task', pick: 8, field: 'subject', value: 'Send' },
  ],
  'the same for events, the crash one effect later': [
    { t: 'create', side: 'exchange', kind: 'event', fields: { subject: 'Review', start: '2026-01-01T11:00:00Z', location: 'Here' } },
    { t: 'create', side: 'salesforce', kind: 'event', fields: { subject: 'Review', start: '2026-01-01T11:00:00Z', location: 'Here' } },
    { t: 'sync', crashAt: 4, duplicate: false, reverse: false },
    { t: 'update', side: 'exchange', kind: 'event', pick: 2, field: 'subject', value: 'Lunch' },
  ],
  'a natural-key pair made by an edit, a crash before its link, then the key edited back: one pair, last edit kept': [
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme' } },
    { t: 'create', side: 'exchange', kind: 'contact', fields: { email: 'bob@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'update', side: 'salesforce', kind: 'contact', pick: 7, field: 'email', value: 'bob@x.com' },
    { t: 'sync', crashAt: 3, duplicate: false, reverse: false },
    { t: 'update', side: 'exchange', kind: 'contact', pick: 9, field: 'email', value: 'ann@x.com' },
  ],
  // the pair is linked by a run that crashes later (never reported): still one item, the later edit wins
  'the same, linked by a run that crashed after the link': [
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'create', side: 'exchange', kind: 'contact', fields: { email: 'bob@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'update', side: 'salesforce', kind: 'contact', pick: 7, field: 'email', value: 'bob@x.com' },
    { t: 'sync', crashAt: 2, duplicate: false, reverse: false },
    { t: 'update', side: 'exchange', kind: 'contact', pick: 9, field: 'email', value: 'ann@x.com' },
    { t: 'sync', crashAt: 4, duplicate: false, reverse: false },
  ],
  // an empty field filled from the natural-key match is on purpose, also when the run that linked the pair crashed later
  'an emptied field filled from the record matched by natural key, linked by a run that crashed later': [
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'create', side: 'exchange', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'update', side: 'salesforce', kind: 'contact', pick: 1, field: 'accountName', value: null },
    { t: 'sync', crashAt: 5, duplicate: false, reverse: false },
  ],
  // fuzz seed 9: the update landed, the crash hit its link commit; the next run saw only our
  // echo and adopted the write-ahead note in memory but never saved it, so every later run fell
  // back to the old link and retried a stale patch (a no-op write of the source woke it up)
  'an update cut short before its link, then a run seeing only its echo: the note is committed, a later no-op write writes nothing': [
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'sync', duplicate: false, reverse: false },
    { t: 'update', side: 'salesforce', kind: 'contact', pick: 0, field: 'accountName', value: null },
    { t: 'sync', crashAt: 2, duplicate: false, reverse: false },
    { t: 'sync', duplicate: false, reverse: false },
    { t: 'update', side: 'salesforce', kind: 'contact', pick: 0, field: 'email', value: 'ann@x.com' },
  ],
  // restores (docs/sync-engine.md "Restored records"): the survivor of an edit-beats-delete keeps the
  // deleted record's identity as stamp; restoring that record must not take the survivor over
  'a Salesforce undelete after an edit beat its delete leaves the Outlook item with its replacement': [
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'sync' },
    { t: 'delete', side: 'salesforce', kind: 'contact', pick: 0 },
    { t: 'update', side: 'exchange', kind: 'contact', pick: 0, field: 'phone', value: '2' },
    { t: 'sync' },
    { t: 'restore', side: 'salesforce', kind: 'contact', pick: 0 },
  ],
  'an Outlook restore after an edit beat its delete leaves the Salesforce record with its replacement': [
    { t: 'create', side: 'exchange', kind: 'task', fields: { subject: 'Call', dueDate: '2026-01-01', status: 'Not Started' } },
    { t: 'sync' },
    { t: 'delete', side: 'exchange', kind: 'task', pick: 0 },
    { t: 'update', side: 'salesforce', kind: 'task', pick: 0, field: 'status', value: 'Completed' },
    { t: 'sync' },
    { t: 'restore', side: 'exchange', kind: 'task', pick: 0 },
  ],
  'an Outlook item restored right after its delete reached Salesforce is kept, not deleted again': [
    { t: 'create', side: 'salesforce', kind: 'event', fields: { subject: 'Lunch', start: '2026-01-01T10:00:00Z', location: 'Here' } },
    { t: 'sync' },
    { t: 'delete', side: 'exchange', kind: 'event', pick: 0 },
    { t: 'sync' },
    { t: 'restore', side: 'exchange', kind: 'event', pick: 0, newId: true },
  ],
  // fuzz seed 9 (model): the Outlook copy deleted and restored between runs is the same item to
  // the engine (same id, same content), so the delete of its Salesforce record reaches it
  'an Outlook item deleted and restored while its Salesforce record is deleted goes with the record': [
    { t: 'create', side: 'salesforce', kind: 'task', fields: { subject: 'Call', dueDate: '2026-01-01', status: 'Not Started' } },
    { t: 'sync' },
    { t: 'delete', side: 'exchange', kind: 'task', pick: 0 },
    { t: 'delete', side: 'salesforce', kind: 'task', pick: 0 },
    { t: 'restore', side: 'exchange', kind: 'task', pick: 0 },
  ],
  // fuzz seed 6 (model): a natural-key pair noted before a crash, then the Salesforce record left
  // scope: the Outlook item is left unlinked on purpose, as any item whose record left scope
  'an item paired by natural key whose record left scope before the link is left unlinked': [
    { t: 'create', side: 'exchange', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
    { t: 'sync', crashAt: 2, duplicate: false, reverse: false },
    { t: 'scope', kind: 'contact', pick: 0 },
  ],
};

/** Worlds with one-way kinds (the mirror side's edits, creates and deletes stay there). */
const oneWayCases: Record<string, { directions: Directions; commands: Command[] }> = {
  // fuzz seed 2: after a crash the natural-key note was merged as if both sides were meant to
  // hold the planned base, so the one-way mirror lost a value the source never had
  'a natural-key pair in a one-way kind, crash before its link: the mirror keeps its own values': {
    directions: { contact: 'Exchange to Salesforce' },
    commands: [
      { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
      { t: 'create', side: 'exchange', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme' } },
      { t: 'sync', crashAt: 2, duplicate: false, reverse: false },
    ],
  },
};

describe('model regressions, one-way kinds', () => {
  for (const [name, { directions, commands }] of Object.entries(oneWayCases)) {
    it(name, async () => {
      expect(await check(commands, { directions })).toEqual([]);
    });
  }
});

describe('model regressions, Exchange deletes by id only (as Graph)', () => {
  // Graph's delete of our Exchange copy cannot say which item it was: the copy is made again
  // and the possibly lost delete is recorded, never the original deleted on a guess
  it('a copy deleted in Exchange before its link was saved comes back with a recorded conflict', async () => {
    const commands: Command[] = [
      { t: 'create', side: 'salesforce', kind: 'contact', fields: { email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee', accountName: 'Acme', phone: '1' } },
      { t: 'sync', crashAt: 2 },
      { t: 'delete', side: 'exchange', kind: 'contact', pick: 0 },
    ];
    expect(await check(commands, { exchangeDeleteStamps: false })).toEqual([]);
  });
  it('the same with the original edited: the edit wins, nothing duplicated', async () => {
    expect(await check(cases['an edit of the original beats a delete of its unlinked copy (crash window)']!, { exchangeDeleteStamps: false })).toEqual([]);
  });
});

describe('model regressions', () => {
  for (const [name, commands] of Object.entries(cases)) {
    it(name, async () => {
      expect(await check(commands)).toEqual([]);
    });
  }
});
