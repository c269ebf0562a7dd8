// What noticing one Salesforce change costs: with the CDC feed running and the scheduler stopped,
// make single contact edits and count the Salesforce API calls spent until the owner's mailbox
// holds a hint, and how many mailboxes each change hinted. Run on stacks with different mailbox
// counts, it shows whether change detection grows with the number of mailboxes.
import type { LocalStack } from '../scripts/lib/stack.ts';

export interface DetectionCost {
  mailboxes: number;
  changes: number;
  detected: number;
  salesforceCallsPerChange: number;
  streamingRequestsPerChange: number;
  mailboxesHintedPerChange: number;
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the measure needs of a stack: its emulated Salesforce and the worker's hints (a LocalStack, or a worker child's). */
export interface DetectionStack {
  readonly mailboxes: readonly { readonly mailboxSyncId: string; readonly salesforceUserId: string }[];
  readonly salesforce: { readonly admin: Pick<LocalStack['salesforce']['admin'], 'insert' | 'resetCounters' | 'counters'> };
  readonly store: {
    listHints(mailboxId?: string): Promise<readonly { readonly mailboxId: string }[]>;
    takeHints(mailboxId: string, until: number): Promise<unknown>;
  };
}

export async function detectionCost(stack: DetectionStack, changes: number, timeoutMs = 15_000): Promise<DetectionCost> {
  const owners = stack.mailboxes;
  for (const h of await stack.store.listHints()) await stack.store.takeHints(h.mailboxId, Date.now() + 1);
  stack.salesforce.admin.resetCounters();
  let detected = 0;
  let hinted = 0;
  for (let n = 0; n < changes; n++) {
    const m = owners[n % owners.length]!;
    stack.salesforce.admin.insert('Contact', { FirstName: 'Detect', LastName: `D-${n}`, Email: `detect${n}@sf.example`, OwnerId: m.salesforceUserId }, { asUserId: m.salesforceUserId });
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if ((await stack.store.listHints(m.mailboxSyncId)).length > 0) break;
      await tick(5);
    }
    const hints = await stack.store.listHints();
    if (hints.some((h) => h.mailboxId === m.mailboxSyncId)) detected += 1;
    hinted += new Set(hints.map((h) => h.mailboxId)).size;
    for (const h of hints) await stack.store.takeHints(h.mailboxId, Date.now() + 1);
  }
  const c = stack.salesforce.admin.counters();
  const streaming = Object.entries(c.byKind)
    .filter(([k]) => k.startsWith('streaming'))
    .reduce((a, [, v]) => a + v, 0);
  return {
    mailboxes: owners.length,
    changes,
    detected,
    salesforceCallsPerChange: c.apiCalls / changes,
    streamingRequestsPerChange: streaming / changes,
    mailboxesHintedPerChange: hinted / changes,
  };
}
