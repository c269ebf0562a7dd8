// Write-ahead notes through the real store (linkStoreOf over SQLite in a temp dir): an update
// note and a create note (whose copy has no id yet) round-trip, a committed link replaces a
// create note, an unlink drops exactly its note, and the crash-window scenario of the model
// regressions settles the same way over the real store as over the in-memory twin.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFields } from '../../worker/src/core/hash.ts';
import { createMemorySide } from '../../worker/src/core/memory-side.ts';
import { sync } from '../../worker/src/core/sync.ts';
import { defaultSettings, pendingCreateId, type Link } from '../../worker/src/core/types.ts';
import { linkStoreOf, openStore, type Store } from '../../worker/src/store/index.ts';

let dir = '';
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scc-notes-'));
  store = await openStore(`sqlite:${join(dir, 'scc.db')}`);
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const base = { lastName: 'Lee', phone: '1' };
const state = (id: string, version = 'v1') => ({ id, version, hash: 'h1' });

function createNote(mailbox: string, side: 'salesforce' | 'exchange', sourceId: string, key: string): Link {
  const copy = { id: pendingCreateId(key), version: '', hash: 'h1' };
  const states = side === 'exchange' ? { salesforce: state(sourceId), exchange: copy } : { salesforce: copy, exchange: state(sourceId) };
  return { kind: 'contact', mailbox, ...states, base, pending: { base, ...states, written: [side], create: { side, key } } };
}

describe('write-ahead notes in the store', () => {
  it('an update note round-trips with the link it sits on', async () => {
    const ls = linkStoreOf(store);
    const link: Link = {
      kind: 'contact',
      mailbox: 'mbx-update',
      salesforce: state('003A'),
      exchange: state('AAMk-A'),
      base,
      pending: { base: { ...base, phone: '2' }, salesforce: state('003A'), exchange: { id: 'AAMk-A', version: '', hash: 'h2' }, written: ['exchange'] },
    };
    await ls.transaction((tx) => tx.putLink(link));
    expect(await ls.transaction((tx) => tx.links('mbx-update', 'contact'))).toEqual([link]);
    // the committed link drops the note
    const { pending: _pending, ...committed } = link;
    await ls.transaction((tx) => tx.putLink(committed));
    expect(await ls.transaction((tx) => tx.links('mbx-update', 'contact'))).toEqual([committed]);
  });

  it('a create note keeps its copy id empty in the row and comes back with the stand-in id', async () => {
    const ls = linkStoreOf(store);
    const toExchange = createNote('mbx-create', 'exchange', '003B', '003B');
    const toSalesforce = createNote('mbx-create', 'salesforce', 'AAMk-C', 'contact:mbx-create:AAMk-C');
    await ls.transaction(async (tx) => {
      await tx.putLink(toExchange);
      await tx.putLink(toSalesforce);
    });
    const rows = await store.listLinks('mbx-create', 'contact');
    expect(rows.map((r) => [r.salesforceId, r.exchangeId])).toEqual([
      ['003B', null],
      [null, 'AAMk-C'],
    ]);
    expect(await ls.transaction((tx) => tx.links('mbx-create', 'contact'))).toEqual([toExchange, toSalesforce]);
    // the copy's link replaces the note of its source; an unlink drops only its own note
    const linked: Link = { kind: 'contact', mailbox: 'mbx-create', salesforce: state('003B', 'v2'), exchange: state('AAMk-B'), base };
    await ls.transaction(async (tx) => {
      await tx.putLink(linked);
      await tx.deleteLink('mbx-create', 'contact', toSalesforce.salesforce.id);
    });
    expect(await ls.transaction((tx) => tx.links('mbx-create', 'contact'))).toEqual([linked]);
  });

  it('an edit of the original beats a delete of its unlinked copy over the real store', async () => {
    const salesforce = createMemorySide('salesforce');
    const exchange = createMemorySide('exchange');
    const ls = linkStoreOf(store);
    const run = (crashAt?: number) => {
      let effects = 0;
      return sync({
        mailbox: 'mbx-crash',
        salesforce,
        exchange,
        store: ls,
        settings: defaultSettings(),
        hash: hashFields,
        kinds: ['contact'],
        beforeEffect: () => {
          if (effects++ === crashAt) throw new Error('crash');
        },
      });
    };
    const id = salesforce.userCreate('contact', { lastName: 'Lee', phone: '1' });
    // effects: the create note, the create, the link: crash before the link
    await expect(run(2)).rejects.toThrow('crash');
    const copy = exchange.live('contact')[0]!;
    exchange.userDelete('contact', copy.id);
    salesforce.userUpdate('contact', id, { phone: '2' });
    await run();
    expect(exchange.live('contact').map((r) => r.fields)).toEqual([{ lastName: 'Lee', phone: '2' }]);
    expect(salesforce.live('contact').map((r) => r.fields)).toEqual([{ lastName: 'Lee', phone: '2' }]);
    const links = await ls.transaction((tx) => tx.links('mbx-crash', 'contact'));
    expect(links.map((l) => [l.salesforce.id, l.exchange.id, l.pending])).toEqual([[id, exchange.live('contact')[0]!.id, undefined]]);
    expect((await run()).writes).toBe(0);
  });
});
