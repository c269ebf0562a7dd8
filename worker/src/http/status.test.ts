// The status document built from the store.
import { describe, expect, it } from 'vitest';
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
});
