// The status document built from the store.
import { describe, expect, it, vi } from 'vitest';
import { createScheduler } from '../scheduler/index.ts';
import { openStore } from '../store/index.ts';
import { mailboxStatus } from './status.ts';

describe('mailboxStatus', () => {
  it('summarises a mailbox and answers undefined for an unknown one', async () => {
    let now = Date.UTC(2026, 0, 1);
    const store = await openStore('sqlite::memory:', { clock: () => now });
    try {
      await store.upsertMailbox({ id: 'a01000000000001AAA', address: 'ann@example.com', state: 'active', plan: 'Real-time' });
      await store.updateMailbox('a01000000000001AAA', { lastSuccessAt: now, itemsSynced: 12, lastError: 'Graph 503' });
      await store.openIssue({ mailboxId: 'a01000000000001AAA', kind: 'Conflict', objectType: 'Contact', message: 'Phone changed on both sides' });
      const run = await store.startRun('a01000000000001AAA', 'hint');
      now += 1000;
      await store.finishRun(run, { counts: { created: 2 } });
      expect(await mailboxStatus(store, 'a01000000000001AAA')).toMatchObject({
        state: 'active',
        plan: 'Real-time',
        running: false,
        queued: false,
        lastSync: '2026-01-01T00:00:00.000Z',
        itemsSynced: 12,
        lastError: 'Graph 503',
        openIssues: 1,
        recentRuns: [{ reason: 'hint', counts: { created: 2 }, finishedAt: '2026-01-01T00:00:01.000Z' }],
      });
      expect(await mailboxStatus(store, 'a01000000000009AAA')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('reports a Sync now as queued until its run takes the hint, then running, then done', async () => {
    let now = Date.UTC(2026, 0, 1);
    const store = await openStore('sqlite::memory:', { clock: () => now });
    const id = 'a01000000000002AAA';
    try {
      await store.upsertMailbox({ id, address: 'bo@example.com', state: 'active', plan: 'Basic', nextRunAt: now + 3_600_000 });
      let finish: () => void = () => undefined;
      const seen: Array<Record<string, unknown> | undefined> = [];
      const scheduler = createScheduler({
        store,
        clock: () => now,
        owner: 'test',
        runMailbox: async () => {
          seen.push(await mailboxStatus(store, id));
          await new Promise<void>((resolve) => (finish = resolve));
          return { ok: true };
        },
      });
      expect(await mailboxStatus(store, id)).toMatchObject({ running: false, queued: false, lastRun: null });
      await scheduler.syncNow(id);
      expect(await mailboxStatus(store, id)).toMatchObject({ running: false, queued: true, lastRun: null });
      now += 1000;
      const tick = scheduler.tick();
      await vi.waitFor(() => expect(seen).toHaveLength(1));
      expect(seen[0]).toMatchObject({ running: true, queued: false });
      finish();
      await tick;
      expect(await mailboxStatus(store, id)).toMatchObject({ running: false, queued: false, lastRun: '2026-01-01T00:00:01.000Z' });
      await scheduler.stop();
    } finally {
      await store.close();
    }
  });

  it('a Sync now on a paused mailbox is not reported as queued (it would never run)', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      await store.upsertMailbox({ id: 'a01000000000003AAA', address: 'cy@example.com', state: 'paused', plan: 'Basic' });
      await store.addHint('a01000000000003AAA', 'sync-now');
      expect(await mailboxStatus(store, 'a01000000000003AAA')).toMatchObject({ running: false, queued: false });
    } finally {
      await store.close();
    }
  });
});
