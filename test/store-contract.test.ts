// The Store contract, run unchanged against SQLite (a temp file) and PostgreSQL
// (TEST_DATABASE_URL, each run in its own throwaway schema). PostgreSQL being down is a failure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkStoreOf, openStore, type Store } from '../worker/src/store/index.ts';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const MBX = 'a00000000000001AAA';
const MBX2 = 'a00000000000002AAA';

interface Engine {
  name: string;
  setup(): Promise<string>;
  teardown(): Promise<void>;
}

function sqliteEngine(): Engine {
  let dir = '';
  return {
    name: 'sqlite',
    async setup() {
      dir = mkdtempSync(join(tmpdir(), 'scc-store-'));
      return `sqlite:${join(dir, 'scc.db')}`;
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function probePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at TEST_DATABASE_URL (${PG_URL.replace(/:[^:@/]*@/, ':***@')}): ${(error as Error).message}. ` +
        'Start it (Debian: `pg_ctlcluster 15 main start`, then `createdb -h 127.0.0.1 -U postgres test`) ' +
        'or point TEST_DATABASE_URL at a running server. This suite never skips.',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

// A failing test of its own, so an unreachable server counts as a failure in every runner
// (a throwing beforeAll alone only marks the other tests skipped).
describe('PostgreSQL for the store contract', () => {
  it('is reachable at TEST_DATABASE_URL', async () => {
    await probePostgres();
  });
});

function postgresEngine(): Engine {
  const schema = `scc_test_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  return {
    name: 'postgres',
    async setup() {
      await probePostgres();
      const url = new URL(PG_URL);
      url.searchParams.set('schema', schema);
      return url.toString();
    },
    async teardown() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    },
  };
}

for (const engine of [sqliteEngine(), postgresEngine()]) {
  describe(`store contract on ${engine.name}`, () => {
    let url = '';
    let now = 1_000_000;
    const clock = () => now;
    let store: Store;

    beforeAll(async () => {
      url = await engine.setup();
      store = await openStore(url, { clock, encryptionKey: KEY });
    });
    afterAll(async () => {
      await store?.close();
      await engine.teardown();
    });

    it('applies migrations once and is idempotent on reopen', async () => {
      expect(store.engine).toBe(engine.name);
      expect(await store.schemaVersion()).toBe(2);
      const again = await openStore(url, { clock });
      expect(await again.schemaVersion()).toBe(2);
      await again.close();
      expect(await store.schemaVersion()).toBe(2);
    });

    it('keeps mailboxes with settings and a schedule', async () => {
      const m = await store.upsertMailbox({ id: MBX, address: 'ann@example.com', salesforceUserId: '005000000000001AAA', settings: { contacts: true }, state: 'active', plan: 'Professional', nextRunAt: now });
      expect(m).toMatchObject({ id: MBX, plan: 'Professional', state: 'active', settings: { contacts: true }, nextRunAt: now, backoffAttempts: 0 });
      await store.updateMailbox(MBX, { lastError: 'boom', backoffAttempts: 2, itemsSynced: 5 });
      const reprovisioned = await store.upsertMailbox({ id: MBX, address: 'ann@example.com', settings: { contacts: false } });
      expect(reprovisioned).toMatchObject({ lastError: 'boom', backoffAttempts: 2, itemsSynced: 5, settings: { contacts: false }, plan: 'Professional' });
      expect((await store.listMailboxes()).map((x) => x.id)).toEqual([MBX]);
      expect(await store.getMailbox('a00000000000009AAA')).toBeUndefined();
    });

    it('creates, finds, updates and deletes links', async () => {
      const l = await store.putLink({ mailboxId: MBX, kind: 'contact', salesforceId: '003000000000001AAA', exchangeId: 'AAMk-1', sfHash: 's1', exHash: 'e1', sfVersion: 'v1', exVersion: 'ck1', naturalKey: 'ann@x.com' });
      expect(l.id).toBeGreaterThan(0);
      expect(await store.getLinkByExchangeId(MBX, 'contact', 'AAMk-1')).toMatchObject({ salesforceId: '003000000000001AAA', sfHash: 's1' });
      const updated = await store.putLink({ mailboxId: MBX, kind: 'contact', salesforceId: '003000000000001AAA', exHash: 'e2' });
      expect(updated).toMatchObject({ id: l.id, exHash: 'e2', sfHash: 's1', exchangeId: 'AAMk-1' });
      expect(await store.findLinksByNaturalKey(MBX, 'contact', 'ann@x.com')).toHaveLength(1);
      // Same ids under another kind or mailbox are separate links.
      await store.putLink({ mailboxId: MBX, kind: 'task', salesforceId: '003000000000001AAA', exchangeId: 'AAMk-1' });
      expect(await store.listLinks(MBX)).toHaveLength(2);
      expect(await store.listLinks(MBX, 'contact')).toHaveLength(1);
      await store.deleteLink(l.id);
      expect(await store.getLinkBySalesforceId(MBX, 'contact', '003000000000001AAA')).toBeUndefined();
    });

    it('replaceLink inserts after removing any link of the mailbox and kind holding either id', async () => {
      const REPLACE = 'a00000000000078AAA';
      await store.putLink({ mailboxId: REPLACE, kind: 'contact', salesforceId: '003000000000021AAA', exchangeId: null, base: { '@pending': { create: { side: 'exchange', key: 'k21' } } } });
      await store.putLink({ mailboxId: REPLACE, kind: 'contact', salesforceId: '003000000000022AAA', exchangeId: 'AAMk-22' });
      await store.putLink({ mailboxId: REPLACE, kind: 'task', salesforceId: '003000000000021AAA', exchangeId: 'AAMk-21' });
      // the note of a create becomes its link; a link holding the new Exchange id goes
      await store.replaceLink({ mailboxId: REPLACE, kind: 'contact', salesforceId: '003000000000021AAA', exchangeId: 'AAMk-22', sfVersion: 'v', exVersion: 'ck', sfHash: 's', exHash: 'e', base: { lastName: 'Lee' } });
      const links = await store.listLinks(REPLACE, 'contact');
      expect(links).toHaveLength(1);
      expect(links[0]).toMatchObject({ salesforceId: '003000000000021AAA', exchangeId: 'AAMk-22', sfVersion: 'v', exVersion: 'ck', sfHash: 's', exHash: 'e', naturalKey: null, base: { lastName: 'Lee' }, updatedAt: now });
      // by one id alone; another kind is untouched
      await store.replaceLink({ mailboxId: REPLACE, kind: 'contact', salesforceId: null, exchangeId: 'AAMk-22', base: {} });
      expect(await store.listLinks(REPLACE, 'contact')).toMatchObject([{ salesforceId: null, exchangeId: 'AAMk-22', base: {} }]);
      expect(await store.listLinks(REPLACE, 'task')).toHaveLength(1);
    });

    it('looks links up by id, lists the noted ones and counts them (a run never loads a whole mailbox)', async () => {
      // a mailbox of its own: the links of this test stay out of the counts of the others
      const LOOKUP = 'a00000000000077AAA';
      await store.upsertMailbox({ id: LOOKUP, address: 'lookup@example.com' });
      await store.putLink({ mailboxId: LOOKUP, kind: 'contact', salesforceId: '003000000000011AAA', exchangeId: 'AAMk-11', base: { lastName: 'A' } });
      await store.putLink({ mailboxId: LOOKUP, kind: 'contact', salesforceId: '003000000000012AAA', exchangeId: 'AAMk-12', base: { lastName: 'B', '@pending': { base: {} } } });
      await store.putLink({ mailboxId: LOOKUP, kind: 'contact', exchangeId: 'AAMk-13', base: { '@pending': { create: { side: 'salesforce', key: 'k' } } } });
      await store.putLink({ mailboxId: LOOKUP, kind: 'task', salesforceId: '00T000000000011AAA', exchangeId: 'AAMk-11' });
      const ids = (links: { salesforceId: string | null; exchangeId: string | null }[]) => links.map((l) => l.salesforceId ?? l.exchangeId);
      expect(ids(await store.listLinksByIds(LOOKUP, 'contact', { salesforceIds: ['003000000000011AAA'], exchangeIds: ['AAMk-12', 'AAMk-11', 'AAMk-99'] }))).toEqual(['003000000000011AAA', '003000000000012AAA']);
      expect(await store.listLinksByIds(LOOKUP, 'contact', { salesforceIds: [], exchangeIds: [] })).toEqual([]);
      // more ids than one statement binds
      const many = Array.from({ length: 1_200 }, (_, i) => `AAMk-x${i}`);
      expect(ids(await store.listLinksByIds(LOOKUP, 'contact', { salesforceIds: [], exchangeIds: [...many, 'AAMk-13'] }))).toEqual(['AAMk-13']);
      expect(ids(await store.listNotedLinks(LOOKUP, 'contact'))).toEqual(['003000000000012AAA', 'AAMk-13']);
      expect(await store.countLinks(LOOKUP, 'contact')).toBe(3);
      expect(await store.countLinks(LOOKUP, 'event')).toBe(0);
    });

    it('refuses two links for one Exchange item or one Salesforce record', async () => {
      await store.putLink({ mailboxId: MBX, kind: 'contact', salesforceId: '003000000000002AAA', exchangeId: 'AAMk-2' });
      await store.putLink({ mailboxId: MBX, kind: 'contact', salesforceId: '003000000000003AAA', exchangeId: 'AAMk-3' });
      // Matched by Salesforce id 2, but Exchange id 3 belongs to another link: the unique index fires.
      await expect(store.putLink({ mailboxId: MBX, kind: 'contact', salesforceId: '003000000000002AAA', exchangeId: 'AAMk-3' })).rejects.toThrow();
      expect(await store.getLinkBySalesforceId(MBX, 'contact', '003000000000002AAA')).toMatchObject({ exchangeId: 'AAMk-2' });
      // Half-made links (one side null) never collide with each other.
      await store.putLink({ mailboxId: MBX, kind: 'contact', exchangeId: 'AAMk-4' });
      await store.putLink({ mailboxId: MBX, kind: 'contact', exchangeId: 'AAMk-5' });
      expect((await store.listLinks(MBX, 'contact')).length).toBe(4);
    });

    it('advances a cursor and its links together, or not at all', async () => {
      await store.setCursor(MBX, 'exchange', 'contacts', 'delta-1');
      await expect(
        store.transaction(async (tx) => {
          await tx.putLink({ mailboxId: MBX, kind: 'contact', salesforceId: '003000000000009AAA', exchangeId: 'AAMk-9' });
          await tx.setCursor(MBX, 'exchange', 'contacts', 'delta-2');
          throw new Error('crash mid-run');
        }),
      ).rejects.toThrow('crash mid-run');
      expect(await store.getCursor(MBX, 'exchange', 'contacts')).toBe('delta-1');
      expect(await store.getLinkByExchangeId(MBX, 'contact', 'AAMk-9')).toBeUndefined();

      const result = await store.transaction(async (tx) => {
        await tx.putLink({ mailboxId: MBX, kind: 'contact', salesforceId: '003000000000009AAA', exchangeId: 'AAMk-9' });
        await tx.setCursor(MBX, 'exchange', 'contacts', 'delta-2');
        return 'ok';
      });
      expect(result).toBe('ok');
      expect(await store.getCursor(MBX, 'exchange', 'contacts')).toBe('delta-2');
      expect(await store.getLinkByExchangeId(MBX, 'contact', 'AAMk-9')).toBeDefined();
      await store.setCursor('*', 'salesforce', '/data/ContactChangeEvent', '12345');
      expect(await store.getCursor('*', 'salesforce', '/data/ContactChangeEvent')).toBe('12345');
      expect((await store.listCursors(MBX)).map((c) => c.channel)).toEqual(['contacts']);
      await store.deleteCursor(MBX, 'exchange', 'contacts');
      expect(await store.getCursor(MBX, 'exchange', 'contacts')).toBeUndefined();
    });

    it('gives a lease to one of two store instances and lets the other take it over after expiry', async () => {
      const other = await openStore(url, { clock });
      try {
        const results = await Promise.all([store.takeLease(MBX2, 'worker-a', 30_000), other.takeLease(MBX2, 'worker-b', 30_000)]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const holder = results[0] ? 'worker-a' : 'worker-b';
        const loser = holder === 'worker-a' ? other : store;
        const loserName = holder === 'worker-a' ? 'worker-b' : 'worker-a';
        expect((await store.getLease(MBX2))?.owner).toBe(holder);
        expect(await loser.takeLease(MBX2, loserName, 30_000)).toBe(false);
        expect(await loser.renewLease(MBX2, loserName, 30_000)).toBe(false);
        // The holder may re-take or renew its own lease.
        expect(await store.takeLease(MBX2, holder, 30_000)).toBe(true);
        expect(await store.renewLease(MBX2, holder, 30_000)).toBe(true);
        now += 30_001;
        expect(await loser.takeLease(MBX2, loserName, 30_000)).toBe(true);
        expect((await other.getLease(MBX2))?.owner).toBe(loserName);
        expect(await store.renewLease(MBX2, holder, 30_000)).toBe(false);
        await store.releaseLease(MBX2, holder); // not the holder any more: no effect
        expect((await store.getLease(MBX2))?.owner).toBe(loserName);
        await loser.releaseLease(MBX2, loserName);
        expect(await store.getLease(MBX2)).toBeUndefined();
      } finally {
        await other.close();
      }
    });

    it('hands each of many contested leases to exactly one instance', async () => {
      const other = await openStore(url, { clock });
      try {
        const ids = Array.from({ length: 20 }, (_, i) => `a0000000000L${String(i).padStart(3, '0')}AAA`);
        const both = await Promise.all(ids.flatMap((id) => [store.takeLease(id, 'worker-a', 10_000), other.takeLease(id, 'worker-b', 10_000)]));
        ids.forEach((_, i) => expect(Number(both[2 * i]) + Number(both[2 * i + 1])).toBe(1));
      } finally {
        await other.close();
      }
    });

    it('coalesces hints per mailbox and source, and takes only those received so far', async () => {
      await store.addHint(MBX, 'graph');
      now += 5;
      await store.addHint(MBX, 'graph');
      await store.addHint(MBX, 'cdc');
      const hints = await store.listHints(MBX);
      expect(hints).toEqual([
        { mailboxId: MBX, source: 'cdc', firstReceivedAt: now, receivedAt: now, count: 1 },
        { mailboxId: MBX, source: 'graph', firstReceivedAt: now - 5, receivedAt: now, count: 2 },
      ]);
      const upTo = now;
      now += 5;
      await store.addHint(MBX, 'cdc'); // arrives while the run is starting: must survive the take
      const taken = await store.takeHints(MBX, upTo);
      expect(taken.map((h) => h.source)).toEqual(['graph']);
      expect((await store.listHints(MBX)).map((h) => h.source)).toEqual(['cdc']);
      await store.takeHints(MBX, now);
      expect(await store.listHints()).toEqual([]);
    });

    it('lists runnable mailboxes by schedule, backoff, pause and real-time hints', async () => {
      now = 2_000_000;
      await store.upsertMailbox({ id: MBX, address: 'ann@example.com', state: 'active', plan: 'Basic', nextRunAt: now + 1000 });
      await store.updateMailbox(MBX, { retryAt: null });
      await store.upsertMailbox({ id: MBX2, address: 'bob@example.com', state: 'active', plan: 'Real-time', nextRunAt: now + 1000 });
      expect(await store.listRunnableMailboxes(now)).toEqual([]);
      await store.addHint(MBX, 'graph'); // Basic ignores hints
      await store.addHint(MBX2, 'graph');
      expect((await store.listRunnableMailboxes(now)).map((m) => m.id)).toEqual([MBX2]);
      await store.updateMailbox(MBX2, { retryAt: now + 500 });
      expect(await store.listRunnableMailboxes(now)).toEqual([]);
      expect((await store.listRunnableMailboxes(now + 1000)).map((m) => m.id).sort()).toEqual([MBX, MBX2].sort());
      await store.addHint(MBX, 'sync-now'); // Sync now wakes any plan
      expect((await store.listRunnableMailboxes(now)).map((m) => m.id)).toEqual([MBX]);
      await store.updateMailbox(MBX, { state: 'paused' });
      expect((await store.listRunnableMailboxes(now + 1000)).map((m) => m.id)).toEqual([MBX2]);
      await store.takeHints(MBX, now);
      await store.takeHints(MBX2, now);
    });

    it('opens, refreshes and resolves issues, and tracks what reached Salesforce', async () => {
      const first = await store.openIssue({ mailboxId: MBX, kind: 'Conflict', objectType: 'Contact', salesforceId: '003000000000001AAA', exchangeId: 'AAMk-1', message: 'Phone changed on both sides', details: { field: 'Phone' } });
      const again = await store.openIssue({ mailboxId: MBX, kind: 'Conflict', objectType: 'Contact', salesforceId: '003000000000001AAA', exchangeId: 'AAMk-1', message: 'Phone changed on both sides' , details: { field: 'Phone' } });
      expect(again.id).toBe(first.id);
      await store.openIssue({ mailboxId: MBX, kind: 'Skipped', objectType: 'Task', exchangeId: 'AAMk-7', message: 'Task has no subject' });
      expect(await store.countOpenIssues(MBX)).toBe(2);
      expect((await store.listIssuesToSync()).length).toBe(2);
      await store.markIssueSynced(first.id, 'a01000000000001AAA');
      expect((await store.listIssuesToSync()).map((i) => i.id)).not.toContain(first.id);
      expect(await store.resolveIssuesFor(MBX, 'Contact', { salesforceId: '003000000000001AAA' })).toBe(1);
      expect(await store.countOpenIssues(MBX)).toBe(1);
      const resolved = (await store.listIssues(MBX, { open: false }))[0];
      expect(resolved).toMatchObject({ id: first.id, resolved: true, resolvedAt: now, syncedToSalesforce: false, salesforceRecordId: 'a01000000000001AAA', details: { field: 'Phone' } });
      const open = (await store.listIssues(MBX, { open: true }))[0];
      await store.resolveIssue(open!.id);
      expect(await store.countOpenIssues(MBX)).toBe(0);
    });

    it("serves the core's LinkStore port: replace on either id, cursor per kind, issues by key, all atomic", async () => {
      const ls = linkStoreOf(store);
      const M = 'a00000000000003AAA';
      const link = (sf: string, ex: string, v = '1') => ({
        kind: 'contact' as const,
        mailbox: M,
        salesforce: { id: sf, version: v, hash: `hs${v}` },
        exchange: { id: ex, version: `ck${v}`, hash: `he${v}` },
        base: { LastName: 'Lee', Email: null },
      });
      await ls.transaction(async (tx) => {
        await tx.putLink(link('003000000000001AAA', 'AAMk-1'));
        await tx.setCursor(M, 'contact', 'exchange', 'delta-1');
      });
      const [l] = await ls.transaction((tx) => tx.links(M, 'contact'));
      expect(l).toEqual(link('003000000000001AAA', 'AAMk-1'));
      // A restored Exchange item gets a new id: the new link replaces the old one.
      await ls.transaction((tx) => tx.putLink(link('003000000000001AAA', 'AAMk-1b', '2')));
      expect(await ls.transaction((tx) => tx.links(M, 'contact'))).toEqual([link('003000000000001AAA', 'AAMk-1b', '2')]);
      await expect(
        ls.transaction(async (tx) => {
          await tx.deleteLink(M, 'contact', '003000000000001AAA');
          await tx.setCursor(M, 'contact', 'exchange', 'delta-2');
          throw new Error('crash');
        }),
      ).rejects.toThrow('crash');
      expect(await ls.transaction((tx) => tx.cursor(M, 'contact', 'exchange'))).toBe('delta-1');
      expect(await ls.transaction((tx) => tx.cursor(M, 'task', 'exchange'))).toBeNull();
      expect(await ls.transaction((tx) => tx.links(M, 'contact'))).toHaveLength(1);
      const issue = { key: 'conflict:003000000000001AAA:Phone', mailbox: M, kind: 'contact' as const, issueKind: 'Conflict' as const, salesforceId: '003000000000001AAA', message: 'Phone changed on both sides' };
      await ls.transaction((tx) => tx.recordIssue(issue));
      await ls.transaction((tx) => tx.recordIssue({ ...issue, message: 'Phone changed on both sides (again)' }));
      const issues = await store.listIssues(M);
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ objectType: 'Contact', kind: 'Conflict', issueKey: issue.key, message: 'Phone changed on both sides (again)' });
    });

    it('records runs', async () => {
      const id = await store.startRun(MBX, 'schedule');
      now += 100;
      await store.finishRun(id, { counts: { created: 3 } });
      const failed = await store.startRun(MBX, 'hint');
      await store.finishRun(failed, { error: 'temporary: 503' });
      const runs = await store.listRuns(MBX);
      expect(runs[0]).toMatchObject({ id: failed, error: 'temporary: 503' });
      expect(runs[1]).toMatchObject({ id, counts: { created: 3 }, finishedAt: now, startedAt: now - 100 });
    });

    it('keeps subscriptions with only a hash of the clientState', async () => {
      await store.putSubscription({ id: 'sub-1', mailboxId: MBX, resource: '/users/x/contacts', expiresAt: now + 60_000, clientState: 'very-secret' });
      const sub = await store.getSubscription('sub-1');
      expect(sub?.clientStateHash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(sub)).not.toContain('very-secret');
      expect((await store.listSubscriptionsExpiringBefore(now + 60_001)).map((s) => s.id)).toEqual(['sub-1']);
      expect(await store.listSubscriptionsExpiringBefore(now)).toEqual([]);
      await store.deleteSubscription('sub-1');
      expect(await store.listSubscriptions()).toEqual([]);
    });

    it('renews a subscription by its expiry alone, keeping the clientState hash', async () => {
      await store.putSubscription({ id: 'sub-2', mailboxId: MBX, resource: '/users/x/todo/lists/l/tasks', expiresAt: now + 60_000, clientState: 'kept-secret' });
      const before = await store.getSubscription('sub-2');
      expect(await store.updateSubscriptionExpiry('sub-2', now + 3_600_000)).toBe(true);
      const after = await store.getSubscription('sub-2');
      expect(after).toMatchObject({ id: 'sub-2', expiresAt: now + 3_600_000, clientStateHash: before!.clientStateHash, resource: '/users/x/todo/lists/l/tasks' });
      expect(await store.listSubscriptionsExpiringBefore(now + 60_001)).toEqual([]);
      expect(await store.updateSubscriptionExpiry('gone', now)).toBe(false);
      await store.deleteSubscription('sub-2');
    });

    it('stores secrets encrypted and refuses them without a key', async () => {
      await store.putSecret('graph-token', 'eyJ-token');
      expect(await store.getSecret('graph-token')).toBe('eyJ-token');
      const keyless = await openStore(url, { clock });
      try {
        await expect(keyless.getSecret('graph-token')).rejects.toThrow(/ENCRYPTION_KEY/);
      } finally {
        await keyless.close();
      }
      const wrongKey = await openStore(url, { clock, encryptionKey: 'ff'.repeat(32) });
      try {
        await expect(wrongKey.getSecret('graph-token')).rejects.toThrow(/could not be decrypted/);
      } finally {
        await wrongKey.close();
      }
    });
  });
}

describe('store URLs', () => {
  it('opens an in-memory SQLite store', async () => {
    const s = await openStore('sqlite::memory:');
    expect(await s.schemaVersion()).toBe(2);
    await s.close();
  });
  it('rejects an unknown scheme without echoing it', async () => {
    await expect(openStore('mysql://root:hunter2@db/x')).rejects.toThrow(/sqlite: or postgres:\/\//);
    await expect(openStore('mysql://root:hunter2@db/x')).rejects.not.toThrow(/hunter2/);
  });
});
