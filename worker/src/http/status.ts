// mailboxStatus(store, id) → the status document GET /api/v1/mailboxes/:id/status returns
// (and the LWC Status page shows): state, plan, schedule, last error, counters, open issues,
// recent runs. A helper for the runtime's MailboxPorts.status; undefined when unknown.
// `queued` is true while a Sync now waits for its run (the hint is taken when the run starts),
// so a page that polls until `running || queued` is false never stops before that run ends.
import { SYNC_NOW_SOURCE } from '../store/ops.ts';
import type { Store } from '../store/types.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export async function mailboxStatus(store: Store, id: string, options: { runs?: number } = {}): Promise<Record<string, unknown> | undefined> {
  const m = await store.getMailbox(id);
  if (!m) return undefined;
  const [openIssues, runs, lease, hints] = await Promise.all([store.countOpenIssues(id), store.listRuns(id, options.runs ?? 5), store.getLease(id), store.listHints(id)]);
  return {
    id: m.id,
    address: m.address,
    state: m.state,
    plan: m.plan,
    running: lease !== undefined,
    // Only an active mailbox runs (scheduler isDue): a paused one's request would never end.
    queued: m.state === 'active' && hints.some((h) => h.source === SYNC_NOW_SOURCE),
    lastSync: iso(m.lastSuccessAt),
    lastRun: iso(m.lastRunAt),
    nextRun: iso(m.nextRunAt),
    retryAt: iso(m.retryAt),
    backoffAttempts: m.backoffAttempts,
    lastError: m.lastError,
    itemsSynced: m.itemsSynced,
    openIssues,
    recentRuns: runs.map((r) => ({ reason: r.reason, startedAt: iso(r.startedAt), finishedAt: iso(r.finishedAt), counts: r.counts, error: r.error })),
  };
}
