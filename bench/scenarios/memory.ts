// Memory: peak RSS of the worker while it runs the initial sync of many contacts into one mailbox.
// The emulators run here; the worker runs alone in a child process (../worker-child.ts, with the
// production start command's Node flags) so its RSS is measured alone, by sampling and by the
// kernel's maxRSS. A time budget bounds the run: when it ends first, the result says how many
// contacts were written by then.
//
// The contacts are saved at the emulator's own pace (about 70,000 a second, far denser than a
// bulk load: a fresh Salesforce read holds at least every record of its watermark's second), or
// `savedPerSecond` on Salesforce's clock.
import { runWorkerChild, startEmulators } from '../drive.ts';
import type { ChildResult } from '../worker-child.ts';

export interface MemoryOptions {
  contacts: number;
  latencyMs: number;
  budgetMs: number;
  /** Contacts saved per second of Salesforce's clock (default: as fast as the emulator saves them). */
  savedPerSecond?: number;
}

export interface MemoryResult extends ChildResult {
  options: MemoryOptions;
  contactsInMailbox: number;
  seedSeconds: number;
}

export async function runMemory(options: MemoryOptions): Promise<MemoryResult> {
  const stack = await startEmulators({
    latencyMs: options.latencyMs,
    mailboxSync: { Sync_Tasks__c: false, Sync_Events__c: false, Sync_Emails__c: false },
    dailyApiRequests: 1e9,
    graphRequestBudgetPer10Min: 1e9,
  });
  try {
    const m = stack.mailboxes[0]!;
    const perMs = options.savedPerSecond !== undefined ? options.savedPerSecond / 1_000 : undefined;
    let seedSeconds = 0;
    const child = await runWorkerChild(
      { ...stack.wiring, mailboxSyncIds: [m.mailboxSyncId], until: 'idle', budgetMs: options.budgetMs },
      {
        onReady() {
          const t0 = performance.now();
          const sf = stack.salesforce.admin;
          for (let n = 0; n < options.contacts; n++) {
            sf.insert('Contact', { FirstName: `Mem${n}`, LastName: `Load-${n}`, Email: `m${n}@memory.example`, Title: 'Buyer', OwnerId: m.salesforceUserId }, { asUserId: m.salesforceUserId });
            if (perMs !== undefined && (perMs < 1 || n % perMs === 0)) sf.advanceClock(Math.max(1, Math.round(1 / perMs)));
          }
          seedSeconds = (performance.now() - t0) / 1000;
        },
      },
    );
    return { options, ...child, contactsInMailbox: stack.graph.admin.items(m.address, 'contact').length, seedSeconds: Math.round(seedSeconds * 10) / 10 };
  } finally {
    await stack.close();
  }
}
