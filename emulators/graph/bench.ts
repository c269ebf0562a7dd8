// Graph emulator benchmark: requests/s across mailboxes at latency 0 (each mailbox kept at its
// 4-requests-in-flight limit, mixed reads), and memory with 100,000 items held. Three numbers:
// `coreRequestsPerSecond` runs the full Graph pipeline (auth, throttling, counters, routing,
// rendering) in-process; `wireRequestsPerSecond` goes over HTTPS with undici; and
// `helloHttpsRequestsPerSecond` is a bare HTTPS server answering `{}` on the same machine with the
// same client — the ceiling the wire number is measured against. Usable as a library
// (runGraphBench) or a script printing one JSON line:
//   node --expose-gc --import tsx emulators/graph/bench.ts [--seconds 5] [--mailboxes 16] [--items 100000]
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { startGraphEmulator } from './index.ts';
import { loadTls } from './tls.ts';

export interface GraphBenchResult {
  coreRequestsPerSecond: number;
  wireRequestsPerSecond: number;
  helloHttpsRequestsPerSecond: number;
  requests: number;
  errors: number;
  seconds: number;
  mailboxes: number;
  items: number;
  heapUsedMB: number;
  rssMB: number;
  itemsLoadSeconds: number;
}

export async function runGraphBench(opts: { seconds?: number; mailboxes?: number; items?: number } = {}): Promise<GraphBenchResult> {
  const seconds = opts.seconds ?? 5;
  const mailboxes = opts.mailboxes ?? 16;
  const items = opts.items ?? 100_000;
  const emu = await startGraphEmulator({ latencyMs: 0, requestBudgetPer10Min: 1e9 });
  const dispatcher = new Agent({ connect: { ca: emu.caCert }, connections: mailboxes * 4, pipelining: 1 });
  try {
    const tokenRes = await request(emu.tokenUrl, {
      method: 'POST', dispatcher,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.clientId, client_secret: emu.clientSecret, scope: 'https://graph.microsoft.com/.default' }).toString(),
    });
    const token = ((await tokenRes.body.json()) as { access_token: string }).access_token;

    // memory: 100,000 items spread over the mailboxes (contacts, messages and tasks)
    const t0 = performance.now();
    const boxes = Array.from({ length: mailboxes }, (_, i) => emu.admin.addMailbox({ address: `bench${i}@contoso.example` }).address);
    const sample: { mb: string; contact: string }[] = [];
    for (let i = 0; i < items; i++) {
      const mb = boxes[i % mailboxes]!;
      const k = i % 3;
      if (k === 0) {
        const id = emu.admin.userCreateContact(mb, null, { givenName: `G${i}`, surname: `S${i}`, companyName: 'Fabrikam', emailAddresses: [{ address: `p${i}@fabrikam.example` }] });
        if (sample.length < mailboxes) sample.push({ mb, contact: id });
      } else if (k === 1) {
        emu.admin.deliverMessage(mb, { subject: `M${i}`, from: { emailAddress: { address: `p${i}@fabrikam.example` } }, body: { contentType: 'html', content: `<p>Hello ${i}, this is a short body.</p>` } });
      } else {
        emu.admin.userCreateTask(mb, null, { title: `T${i}`, importance: 'normal' });
      }
    }
    const itemsLoadSeconds = (performance.now() - t0) / 1000;
    (globalThis as { gc?: () => void }).gc?.();
    const mem = process.memoryUsage();

    // throughput: 4 workers per mailbox (the concurrency limit), mixed requests
    const headers = { authorization: `Bearer ${token}`, prefer: 'IdType="ImmutableId"' };
    const deadline = performance.now() + seconds * 1000;
    let done = 0, errors = 0;
    const worker = async (mb: string, contact: string, n: number) => {
      const paths = [
        `/v1.0/users/${mb}/contacts/${contact}`,
        `/v1.0/users/${mb}/todo/lists`,
        `/v1.0/users/${mb}/mailFolders/inbox`,
        `/v1.0/users/${mb}`,
      ];
      for (let i = n; performance.now() < deadline; i++) {
        const res = await request(emu.url + paths[i % paths.length]!, { dispatcher, headers });
        await res.body.dump();
        if (res.statusCode === 200) done++;
        else errors++;
      }
    };
    const start = performance.now();
    await Promise.all(sample.flatMap(({ mb, contact }) => [0, 1, 2, 3].map((n) => worker(mb, contact, n))));
    const elapsed = (performance.now() - start) / 1000;
    const wireRequestsPerSecond = Math.round(done / elapsed);

    // the same mix through the in-process pipeline
    let coreDone = 0;
    const coreDeadline = performance.now() + seconds * 1000;
    const coreWorker = async (mb: string, contact: string, n: number) => {
      const paths = [`/v1.0/users/${mb}/contacts/${contact}`, `/v1.0/users/${mb}/todo/lists`, `/v1.0/users/${mb}/mailFolders/inbox`, `/v1.0/users/${mb}`];
      for (let i = n; performance.now() < coreDeadline; i++) {
        const res = await emu.inject('GET', paths[i % paths.length]!, headers);
        JSON.stringify(res.body);
        if (res.status === 200) coreDone++;
        else errors++;
      }
    };
    const coreStart = performance.now();
    await Promise.all(sample.flatMap(({ mb, contact }) => [0, 1, 2, 3].map((n) => coreWorker(mb, contact, n))));
    const coreRequestsPerSecond = Math.round(coreDone / ((performance.now() - coreStart) / 1000));
    const helloHttpsRequestsPerSecond = await helloBaseline(seconds, mailboxes * 4);
    return {
      coreRequestsPerSecond, wireRequestsPerSecond, helloHttpsRequestsPerSecond,
      requests: done + coreDone, errors, seconds: Number(elapsed.toFixed(2)),
      mailboxes, items, heapUsedMB: Math.round(mem.heapUsed / 1048576), rssMB: Math.round(mem.rss / 1048576),
      itemsLoadSeconds: Number(itemsLoadSeconds.toFixed(2)),
    };
  } finally {
    await dispatcher.close();
    await emu.close();
  }
}

/** A bare HTTPS server answering {} — what this machine's loopback TLS can carry at all. */
async function helloBaseline(seconds: number, inFlight: number): Promise<number> {
  const tls = loadTls();
  const server = createServer({ cert: tls.cert, key: tls.key }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `https://localhost:${(server.address() as AddressInfo).port}/`;
  const dispatcher = new Agent({ connect: { ca: tls.caCert }, connections: inFlight });
  let n = 0;
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < deadline) {
      const res = await request(url, { dispatcher });
      await res.body.dump();
      n++;
    }
  }));
  const rps = Math.round(n / ((performance.now() - t0) / 1000));
  await dispatcher.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  return rps;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const result = await runGraphBench({ seconds: arg('seconds'), mailboxes: arg('mailboxes'), items: arg('items') });
  process.stdout.write(JSON.stringify({ graphEmulator: result }) + '\n');
}
