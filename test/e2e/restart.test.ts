// Killing and restarting the worker: a real child process (`tsx worker/src/main.ts`) on one
// SQLite file is SIGKILLed; changes made while it is down, on both sides, arrive once the next
// process starts from the stored cursors (CDC replay id, delta links, watermarks) — no
// duplicates, nothing missed.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { containers, graphContacts, sfQuery, stampOf, waitFor } from './helpers.ts';
import { spawnWorker, type WorkerProcess } from './worker-process.ts';

let stack: LocalStack;
let m: StackMailbox;
const children: WorkerProcess[] = [];

beforeAll(async () => {
  // In-process parts provision the mailbox and receive Graph webhooks (hints into the shared
  // store); the sync itself runs only in the child processes.
  stack = await startLocalStack({ seed: 'none', start: false });
  m = stack.mailboxes[0]!;
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  await stack?.close();
});

it('resumes from stored cursors after SIGKILL with no duplicates and nothing missed', async () => {
  const dbUrl = stack.storeUrl;
  const a = spawnWorker(stack, { databaseUrl: dbUrl, id: 'worker-a' });
  children.push(a);
  const c1 = stack.salesforce.admin.insert('Contact', { FirstName: 'First', LastName: 'Before', Email: 'before@example.test', OwnerId: m.salesforceUserId });
  const item1 = await waitFor(`worker A to sync the first contact\n${a.output()}`, () => graphContacts(stack, m).find((c) => stampOf(c) === c1), 60_000);

  a.proc.kill('SIGKILL');
  await a.exited;

  // While no worker runs: a new Salesforce contact, a Salesforce edit, a new Outlook contact.
  const c2 = stack.salesforce.admin.insert('Contact', { FirstName: 'Second', LastName: 'During', Email: 'during@example.test', OwnerId: m.salesforceUserId });
  stack.salesforce.admin.update('Contact', c1, { Title: 'Edited while down' });
  const { contactFolderId } = await containers(stack, m);
  const x = stack.graph.admin.userCreateContact(m.address, contactFolderId, { givenName: 'Outlook', surname: 'Born', emailAddresses: [{ address: 'outlook-born@example.test', name: 'Outlook Born' }] });

  const b = spawnWorker(stack, { databaseUrl: dbUrl, id: 'worker-b' });
  children.push(b);
  await waitFor(`worker B to catch up\n${b.output()}`, () => {
    const contacts = graphContacts(stack, m);
    return (
      contacts.some((c) => stampOf(c) === c2) &&
      contacts.find((c) => c.id === item1.id)?.jobTitle === 'Edited while down' &&
      sfQuery(stack, `SELECT Id FROM Contact WHERE Email = 'outlook-born@example.test'`).length === 1
    );
  }, 60_000);

  b.proc.kill('SIGTERM');
  expect(await b.exited).toBe(0);

  // No duplicates on either side.
  const stamps = graphContacts(stack, m).map(stampOf).filter(Boolean);
  expect(new Set(stamps).size).toBe(stamps.length);
  expect(graphContacts(stack, m)).toHaveLength(3);
  expect(sfQuery(stack, `SELECT Id FROM Contact WHERE Email = 'outlook-born@example.test'`)).toHaveLength(1);
  expect(sfQuery(stack, `SELECT Id FROM Contact WHERE Email = 'during@example.test'`)).toHaveLength(1);
  expect((await stack.store.listLinks(m.mailboxSyncId, 'contact')).map((l) => l.exchangeId)).toContain(x);
}, 150_000);
