// A worker process for lease-processes.test.ts: opens the store at argv URL and runs a scheduler
// as `owner` until every mailbox has synced once or the deadline passes. Modes decide what a
// run does: `together` waits until every mailbox has started a run (in any process), `hang` never returns
// (the parent kills the process), `quick` returns at once. Prints one JSON line per run.
import { createScheduler } from '../../worker/src/scheduler/index.ts';
import { openStore } from '../../worker/src/store/index.ts';

const [url, owner, concurrencyText, ttlText, mode, deadlineText, peersText] = process.argv.slice(2);
if (!url || !owner || !mode) throw new Error('usage: lease-child <url> <owner> <concurrency> <ttlMs> <mode> <deadlineMs>');
const deadline = Date.now() + Number(deadlineText ?? 20_000);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const store = await openStore(url);
const ids = (await store.listMailboxes()).map((m) => m.id);

// Every mailbox has started a run (by anyone): run rows persist, so unlike leases this never
// flips back once true, whichever process finishes first.
async function allStarted(): Promise<boolean> {
  const runs = await Promise.all(ids.map((id) => store.listRuns(id, 1)));
  return runs.every((r) => r.length > 0);
}

const scheduler = createScheduler({
  store,
  clock: Date.now,
  owner,
  concurrency: Number(concurrencyText ?? 3),
  leaseTtlMs: Number(ttlText ?? 60_000),
  pollIntervalMs: 100,
  runMailbox: async (id) => {
    process.stdout.write(`${JSON.stringify({ owner, ran: id })}\n`);
    if (mode === 'hang') await new Promise(() => undefined);
    if (mode === 'together') while (!(await allStarted()) && Date.now() < deadline) await pause(20);
    return { ok: true };
  },
});

// Start barrier: process start-up time varies with machine load, so every peer announces itself
// and waits for the others before its first tick.
await store.setCursor('*', 'exchange', `ready:${owner}`, 'yes');
const peers = Number(peersText ?? 1);
while ((await store.listCursors('*')).filter((c) => c.channel.startsWith('ready:')).length < peers && Date.now() < deadline) await pause(20);

while (Date.now() < deadline) {
  await scheduler.tick();
  const synced = (await store.listMailboxes()).filter((m) => m.lastSuccessAt !== null).length;
  if (synced === ids.length) break;
  await pause(50);
}
await scheduler.stop();
await store.close();
