// Memory: what a mailbox run reads of the store does not grow with the mailbox. The Salesforce →
// Exchange sync of a mailbox's contacts, and its echo run (the after-run stamp pass), never list
// every link of the kind (a 100,000-contact mailbox held 100,000 links for that): links are read
// by the ids a page touches, and the noted ones alone. Counted through the store, on the stack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../scripts/lib/stack.ts';
import { createRuntime, type Runtime } from '../../worker/src/runtime/runtime.ts';
import type { Store, StoreOps } from '../../worker/src/store/types.ts';

let stack: LocalStack;
let runtime: Runtime;
/** Store reads that list every link of a kind. */
const reads = { listLinks: 0 };

function counted(ops: StoreOps): StoreOps {
  return new Proxy(ops, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (name === 'listLinks') return (...args: Parameters<StoreOps['listLinks']>) => ((reads.listLinks += 1), target.listLinks(...args));
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

beforeAll(async () => {
  stack = await startLocalStack({ seed: { mailboxes: 1 }, start: false });
  const store = new Proxy(stack.store, {
    get(target, name, receiver) {
      if (name === 'transaction') return <T>(fn: (tx: StoreOps) => Promise<T>) => target.transaction((tx) => fn(counted(tx)));
      if (name === 'listLinks') return Reflect.get(counted(target), name, receiver) as unknown;
      const value = Reflect.get(target, name, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as Store;
  runtime = createRuntime({ store, sf: stack.sf, graph: stack.client, log: stack.log, owner: 'memory-test' });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  await stack?.close();
});

describe('a run reads links by id, never the whole kind', () => {
  it('SF → Exchange contacts, then the echo run and its stamp pass: no whole-kind link listing', async () => {
    const m = stack.mailboxes[0]!;
    for (let n = 0; n < 120; n++) stack.salesforce.admin.insert('Contact', { LastName: `Kept-${n}`, Email: `kept${n}@example.test`, OwnerId: m.salesforceUserId }, { asUserId: m.salesforceUserId });
    await runtime.runMailbox(m.mailboxSyncId, 'sync-now');
    await runtime.runMailbox(m.mailboxSyncId, 'sync-now');
    expect(stack.graph.admin.items(m.address, 'contact')).toHaveLength(120);
    expect(reads.listLinks).toBe(0);
  }, 60_000);
});
