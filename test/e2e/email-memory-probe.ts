// Peak worker-side memory while logging filed emails with big attachments. The emulators run
// in a child process (email-memory-child.ts); this process runs only the worker's code.
// Usage: node --expose-gc --import tsx test/e2e/email-memory-probe.ts [attachmentMB=100] [messages=1]
// (with --expose-gc a GC runs every 50 ms, so the peak shows what is retained, not GC lag).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createGraphClient } from '../../worker/src/graph/client.ts';
import { provisionMailbox } from '../../worker/src/graph/provision.ts';
import { logFiledEmails } from '../../worker/src/runtime/email-log.ts';
import { connectSalesforce } from '../../worker/src/salesforce/connection.ts';
import { createRecords } from '../../worker/src/salesforce/records.ts';
import { toMailboxSync } from '../../worker/src/salesforce/status.ts';
import { openStore } from '../../worker/src/store/store.ts';

interface Ready {
  sf: { loginUrl: string; credentials: { username: string; password: string; clientId: string; clientSecret: string }; userId: string; email: string };
  graph: { baseUrl: string; tokenUrl: string; tenantId: string; clientId: string; clientSecret: string; caCert: string };
}

const mb = Number(process.argv[2] ?? 100);
const n = Number(process.argv[3] ?? 1);
const child = fork(fileURLToPath(new URL('./email-memory-child.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const next = <T>(): Promise<T> => new Promise((ok) => child.once('message', (m) => ok(m as T)));
const info = await next<Ready>();
const sf = await connectSalesforce({ loginUrl: info.sf.loginUrl, auth: { kind: 'password', ...info.sf.credentials } });
const graph = createGraphClient({ ...info.graph });
const store = await openStore('sqlite::memory:');
const ids = await provisionMailbox(graph, info.sf.email);
child.send({ folderId: ids.mailFolderId, mb, n });
await next();
const mailboxId = 'a00000000000001AAA';
await store.upsertMailbox({ id: mailboxId, address: info.sf.email, salesforceUserId: info.sf.userId, settings: {}, plan: 'Basic' });
// Built through the same reader the runtime uses, so new Mailbox_Sync__c settings get their defaults.
const config = toMailboxSync({ Id: mailboxId, User__c: info.sf.userId, Mailbox_Address__c: info.sf.email, Enabled__c: true, Sync_Emails__c: true, Category_Name__c: 'Salesforce' });
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const base = process.memoryUsage();
const peak = { rss: base.rss, heapUsed: base.heapUsed, arrayBuffers: base.arrayBuffers };
let ticks = 0;
const timer = setInterval(() => {
  if (gc && ++ticks % 10 === 0) gc();
  const u = process.memoryUsage();
  peak.rss = Math.max(peak.rss, u.rss);
  peak.heapUsed = Math.max(peak.heapUsed, u.heapUsed);
  peak.arrayBuffers = Math.max(peak.arrayBuffers, u.arrayBuffers);
}, 5);
const started = Date.now();
const counts = await logFiledEmails({ store, graph, sf, records: createRecords(sf), mailboxId, config, mailFolderId: ids.mailFolderId, categoryName: ids.categoryName });
clearInterval(timer);
const toMB = (b: number): number => Math.round((b / 1048576) * 10) / 10;
console.log(JSON.stringify({
  messages: n, attachmentMB: mb, ms: Date.now() - started, files: counts['email.files'], forcedGc: gc !== undefined,
  peakRssDeltaMB: toMB(peak.rss - base.rss), peakHeapDeltaMB: toMB(peak.heapUsed - base.heapUsed), peakArrayBuffersDeltaMB: toMB(peak.arrayBuffers - base.arrayBuffers),
}));
await graph.close();
await sf.close();
await store.close();
child.disconnect();
