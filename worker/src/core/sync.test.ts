// Driver scenarios over the in-memory twins: a first run links both ways, a quiet run
// writes nothing, the valve holds back mass deletes and keeps the cursors, a stale version
// leaves the item for the next run.
import { describe, expect, it } from 'vitest';
import { hashFields } from './hash.ts';
import { createMemorySide } from './memory-side.ts';
import { createMemoryStore } from './memory-store.ts';
import { sync, type SyncOptions } from './sync.ts';
import { defaultSettings } from './types.ts';

function world(settings = defaultSettings()) {
  const salesforce = createMemorySide('salesforce');
  const exchange = createMemorySide('exchange');
  const store = createMemoryStore();
  const options: SyncOptions = { mailbox: 'ann@example.com', salesforce, exchange, store, settings, hash: hashFields, kinds: ['contact'] };
  return { salesforce, exchange, store, run: (extra: Partial<SyncOptions> = {}) => sync({ ...options, ...extra }) };
}

describe('sync driver', () => {
  it('links new records both ways, then a quiet run writes nothing', async () => {
    const w = world();
    w.salesforce.userCreate('contact', { lastName: 'Lee', email: 'ann@x.com' });
    w.exchange.userCreate('contact', { lastName: 'Kim', email: 'kim@x.com' });
    expect((await w.run()).writes).toBe(2);
    expect(w.store.allLinks()).toHaveLength(2);
    expect((await w.run()).writes).toBe(0);
    expect(w.exchange.live('contact').map((r) => r.fields.email).sort()).toEqual(['ann@x.com', 'kim@x.com']);
  });

  it('the valve holds back a mass delete, records why, and keeps the cursors', async () => {
    const w = world();
    for (let i = 0; i < 10; i++) w.salesforce.userCreate('contact', { lastName: `L${i}` });
    await w.run();
    for (const r of w.salesforce.live('contact').slice(0, 6)) w.salesforce.userDelete('contact', r.id);
    const report = await w.run();
    expect(report.writes).toBe(0);
    expect(report.kinds[0]?.settled).toBe(false);
    expect(w.exchange.live('contact')).toHaveLength(10);
    expect(w.store.issues().some((i) => i.issueKind === 'Error' && i.message.includes('nothing deleted'))).toBe(true);
  });

  it('an empty Exchange listing never turns into deletes', async () => {
    const w = world();
    w.salesforce.userCreate('contact', { lastName: 'Lee' });
    await w.run();
    w.exchange.userDelete('contact', w.exchange.live('contact')[0]!.id);
    w.exchange.faults = { listing: 'empty' };
    await w.run();
    expect(w.salesforce.live('contact')).toHaveLength(1);
  });

  it('a stale version leaves the item and the cursors for the next run', async () => {
    const w = world();
    const id = w.salesforce.userCreate('contact', { lastName: 'Lee', phone: '1' });
    await w.run();
    w.salesforce.userUpdate('contact', id, { phone: '2' });
    const exId = w.exchange.live('contact')[0]!.id;
    // the user edits the Exchange item between our read and our write
    const report = await w.run({ beforeEffect: () => void (w.exchange.peek('contact', exId)!.fields.phone === '1' && w.exchange.userUpdate('contact', exId, { department: 'Sales' })) });
    expect(report.kinds[0]?.settled).toBe(false);
    await w.run();
    expect(w.exchange.live('contact')[0]!.fields).toMatchObject({ phone: '2', department: 'Sales' });
    expect(w.salesforce.live('contact')[0]!.fields).toMatchObject({ phone: '2', department: 'Sales' });
  });

  // effects of a run with one update: the write-ahead note, the write, the link commit
  const crashAt = (n: number): Partial<SyncOptions> => {
    let effects = 0;
    return {
      beforeEffect: () => {
        if (effects++ === n) throw new Error('crash');
      },
    };
  };

  it('a write that landed before a crash is committed by a run that sees only its echo', async () => {
    const w = world();
    const id = w.salesforce.userCreate('contact', { lastName: 'Lee', accountName: 'Acme' });
    await w.run();
    w.salesforce.userUpdate('contact', id, { accountName: null });
    await expect(w.run(crashAt(2))).rejects.toThrow('crash');
    expect((await w.run()).writes).toBe(0);
    expect(w.store.allLinks().map((l) => [l.pending, l.base])).toEqual([[undefined, { lastName: 'Lee' }]]);
    // a write of the value a field already holds moves the version only
    w.salesforce.userUpdate('contact', id, { lastName: 'Lee' });
    expect((await w.run()).writes).toBe(0);
    expect((await w.run()).writes).toBe(0);
  });

  it('a second crash does not take the landed write of the first for a user edit', async () => {
    const w = world(defaultSettings({ contact: { winner: 'exchange' } }));
    const id = w.salesforce.userCreate('contact', { lastName: 'Lee', phone: '1' });
    await w.run();
    w.salesforce.userUpdate('contact', id, { phone: '2' });
    await expect(w.run(crashAt(2))).rejects.toThrow('crash');
    w.salesforce.userUpdate('contact', id, { phone: '3' });
    // the note of the new patch is saved, the run stops before the write
    await expect(w.run(crashAt(1))).rejects.toThrow('crash');
    await w.run();
    expect(w.exchange.live('contact')[0]!.fields).toEqual({ lastName: 'Lee', phone: '3' });
    expect(w.salesforce.live('contact')[0]!.fields).toEqual({ lastName: 'Lee', phone: '3' });
    expect(w.store.issues()).toEqual([]);
    expect((await w.run()).writes).toBe(0);
  });
});
