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

  it('a capped feed page is read on in the same run: one run syncs the whole scope', async () => {
    const w = world();
    for (let i = 0; i < 25; i++) w.salesforce.userCreate('contact', { lastName: `L${i}`, email: `l${i}@x.com` });
    w.exchange.userCreate('contact', { lastName: 'Kim', email: 'kim@x.com' });
    w.salesforce.faults.pageSize = 10;
    const reads: string[] = [];
    const exchangeReads = { ...w.exchange, changesSince: (k: Parameters<typeof w.exchange.changesSince>[0], c: string | null) => (reads.push(c ?? 'start'), w.exchange.changesSince(k, c)) };
    const report = await w.run({ exchange: exchangeReads });
    expect(report.writes).toBe(26);
    expect(report.kinds).toHaveLength(1);
    expect(report.kinds[0]?.settled).toBe(true);
    expect(w.exchange.live('contact')).toHaveLength(26);
    // the other side is read once: its cursor stays, and the next run reads our writes as echoes
    expect(reads).toEqual(['start']);
    expect((await w.run()).writes).toBe(0);
    expect(w.store.allLinks()).toHaveLength(26);
  });

  it('with onReport a run hands over each page and keeps none: what it holds does not grow with the mailbox', async () => {
    // the largest page report and what the run's report keeps, for a mailbox of n contacts read in pages of 10
    const held = async (n: number) => {
      const w = world();
      for (let i = 0; i < n; i++) w.salesforce.userCreate('contact', { lastName: `L${i}`, email: `l${i}@x.com` });
      w.salesforce.faults.pageSize = 10;
      const pages: number[] = [];
      const report = await w.run({ onReport: (k) => void pages.push(k.actions.length) });
      expect(w.exchange.live('contact')).toHaveLength(n);
      return { pages: pages.length, largest: Math.max(...pages), kept: report.kinds.reduce((a, k) => a + k.actions.length + k.failures.length, 0) };
    };
    const small = await held(30);
    const large = await held(120);
    expect(large.pages).toBe(12);
    // a page's actions (a create and a link per record) stay those of one page, however large the mailbox
    expect(large.largest).toBe(small.largest);
    expect(large.largest).toBeLessThanOrEqual(20);
    expect(large.kept).toBe(0);
    expect(small.kept).toBe(0);
  });

  it('the store writes of items resumed together share one transaction: notes, then links', async () => {
    const w = world();
    for (let i = 0; i < 50; i++) w.salesforce.userCreate('contact', { lastName: `L${i}`, email: `l${i}@x.com` });
    const before = w.store.commits;
    expect((await w.run()).writes).toBe(50);
    // 50 write-ahead notes in one, 50 link commits in one, the cursors in one (was 101)
    expect(w.store.commits - before).toBe(3);
    expect(w.store.allLinks().filter((l) => l.pending === undefined)).toHaveLength(50);
  });

  it('a crash among the grouped notes, the writes or the grouped link commits is finished by the next run', async () => {
    for (const crashAt of [1, 2, 26, 51, 52, 101, 126, 151]) {
      const w = world();
      for (let i = 0; i < 50; i++) w.salesforce.userCreate('contact', { lastName: `L${i}`, email: `l${i}@x.com` });
      let effects = 0;
      const crash = (): void => {
        if (++effects === crashAt) throw new Error('crash');
      };
      await expect(w.run({ beforeEffect: crash })).rejects.toThrow('crash');
      await w.run();
      expect((await w.run()).writes).toBe(0);
      const emails = w.exchange.live('contact').map((r) => r.fields.email);
      expect(emails).toHaveLength(50);
      expect(new Set(emails).size).toBe(50);
      expect(w.store.allLinks().filter((l) => l.pending === undefined)).toHaveLength(50);
      expect(w.store.allLinks()).toHaveLength(50);
    }
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

  it('a run holds only the links of the ids it touches, and the valve still weighs every link', async () => {
    const w = world();
    for (let i = 0; i < 40; i++) w.salesforce.userCreate('contact', { lastName: `L${i}` });
    await w.run();
    // the echoes of our own writes
    await w.run();
    const loaded: number[] = [];
    let wholeReads = 0;
    const spy: SyncOptions['store'] = {
      transaction: (fn) =>
        w.store.transaction((tx) =>
          fn({
            ...tx,
            links: async (m, k) => {
              wholeReads += 1;
              return tx.links(m, k);
            },
            linksOf: async (m, k, ids) => {
              const found = await tx.linksOf!(m, k, ids);
              loaded.push(found.length);
              return found;
            },
          }),
        ),
    };
    // 6 of 40 deleted: under the valve's share of all links (8), over it of the touched ones (5)
    for (const r of w.salesforce.live('contact').slice(0, 6)) w.salesforce.userDelete('contact', r.id);
    const report = await w.run({ store: spy });
    expect(wholeReads).toBe(0);
    expect(Math.max(...loaded)).toBe(6);
    expect(report.kinds[0]?.settled).toBe(true);
    expect(w.exchange.live('contact')).toHaveLength(34);
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

  // the restored record keeps its fields and its stamp, which names a counterpart the link no longer has
  describe('restored records', () => {
    const skipped = (w: ReturnType<typeof world>): string[] => w.store.issues().filter((i) => i.issueKind === 'Skipped').map((i) => i.message);

    it('a Salesforce undelete after an edit beat its delete does not take over the Outlook item linked to its replacement', async () => {
      const w = world();
      const id = w.salesforce.userCreate('contact', { lastName: 'Lee', phone: '1' });
      await w.run();
      const item = w.exchange.live('contact')[0]!;
      w.salesforce.userDelete('contact', id);
      w.exchange.userUpdate('contact', item.id, { phone: '2' });
      await w.run();
      const replacement = w.salesforce.live('contact')[0]!;
      // the item still carries the stamp of the record the user now undeletes
      expect(w.exchange.live('contact')[0]!.stamp).toBe(id);
      w.salesforce.userRestore('contact', id);
      expect((await w.run()).writes).toBe(0);
      expect(w.exchange.live('contact').map((r) => r.fields)).toEqual([{ lastName: 'Lee', phone: '2' }]);
      expect(w.store.allLinks().map((l) => [l.salesforce.id, l.exchange.id])).toEqual([[replacement.id, item.id]]);
      expect(skipped(w)).toEqual([expect.stringContaining('is linked to the record that replaced it')]);
      expect((await w.run()).writes).toBe(0);
    });

    it('an Outlook restore after an edit beat its delete does not take over the Salesforce record linked to its replacement', async () => {
      const w = world();
      const itemId = w.exchange.userCreate('contact', { lastName: 'Lee', phone: '1' });
      await w.run();
      const record = w.salesforce.live('contact')[0]!;
      w.exchange.userDelete('contact', itemId);
      w.salesforce.userUpdate('contact', record.id, { phone: '2' });
      await w.run();
      const replacement = w.exchange.live('contact')[0]!;
      w.exchange.userRestore('contact', itemId);
      expect((await w.run()).writes).toBe(0);
      expect(w.salesforce.live('contact').map((r) => r.fields)).toEqual([{ lastName: 'Lee', phone: '2' }]);
      expect(w.store.allLinks().map((l) => [l.salesforce.id, l.exchange.id])).toEqual([[record.id, replacement.id]]);
      expect(skipped(w)).toEqual([expect.stringContaining('is linked to the record that replaced it')]);
    });

    it.each([false, true])('an Outlook item restored right after its delete reached Salesforce is kept and reported (new id: %s)', async (newId) => {
      const w = world();
      w.salesforce.userCreate('contact', { lastName: 'Lee', phone: '1' });
      await w.run();
      const itemId = w.exchange.live('contact')[0]!.id;
      w.exchange.userDelete('contact', itemId);
      await w.run();
      expect(w.salesforce.live('contact')).toEqual([]);
      // the next run sees our own delete of the Salesforce record next to the restored item
      const restored = w.exchange.userRestore('contact', itemId, { newId });
      expect((await w.run()).writes).toBe(0);
      expect(w.exchange.live('contact').map((r) => r.id)).toEqual([restored]);
      expect(skipped(w)).toEqual([expect.stringContaining('not linked')]);
    });

    it('a Salesforce undelete right after its delete reached Outlook syncs again, once', async () => {
      const w = world();
      const id = w.salesforce.userCreate('contact', { lastName: 'Lee', phone: '1' });
      await w.run();
      w.salesforce.userDelete('contact', id);
      await w.run();
      w.salesforce.userRestore('contact', id);
      await w.run();
      expect(w.exchange.live('contact').map((r) => [r.fields, r.stamp])).toEqual([[{ lastName: 'Lee', phone: '1' }, id]]);
      expect(w.store.allLinks().map((l) => l.salesforce.id)).toEqual([id]);
      expect((await w.run()).writes).toBe(0);
    });
  });
});
