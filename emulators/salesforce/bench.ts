// Salesforce emulator benchmark: record writes/s through composite collections (200 records a
// call, several calls in flight, over HTTP with undici, CDC on), and memory with 100,000 records
// held (CDC retention included). Usable as a library (runSalesforceBench) or a script printing one
// JSON line:
//   node --expose-gc --import tsx emulators/salesforce/bench.ts [--seconds 5] [--records 100000] [--concurrency 4]
import { Agent, request } from 'undici';
import { startSalesforceEmulator } from './index.ts';

export interface SalesforceBenchResult {
  writesPerSecond: number;
  /** Writes per second of process CPU time: what the emulator sustains on a machine it has to itself. */
  writesPerCpuSecond: number;
  writeCalls: number;
  writeErrors: number;
  seconds: number;
  concurrency: number;
  records: number;
  recordsLoadSeconds: number;
  heapUsedMB: number;
  rssMB: number;
  retainedEvents: number;
}

const gc = (): void => {
  (globalThis as { gc?: () => void }).gc?.();
};

export async function runSalesforceBench(opts: { seconds?: number; records?: number; concurrency?: number } = {}): Promise<SalesforceBenchResult> {
  const seconds = opts.seconds ?? 5;
  const target = opts.records ?? 100_000;
  const concurrency = opts.concurrency ?? 4;
  const emu = await startSalesforceEmulator({ seed: 'none', dailyApiRequests: 1e9 });
  const dispatcher = new Agent({ connections: concurrency, pipelining: 1 });
  try {
    const token = await request(`${emu.loginUrl}/services/oauth2/token`, {
      method: 'POST', dispatcher, headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: emu.credentials.clientId, client_secret: emu.credentials.clientSecret, username: emu.credentials.username, password: emu.credentials.password }).toString(),
    });
    const { access_token: accessToken } = (await token.body.json()) as { access_token: string };
    let serial = 0;
    const batch = (): string => JSON.stringify({
      allOrNone: false,
      records: Array.from({ length: 200 }, () => {
        const n = serial++;
        return { attributes: { type: 'Contact' }, FirstName: `First${n}`, LastName: `Last${n}`, Email: `c${n}@bench.example`, Title: 'Engineer', Phone: '+1 555 0100', SCC_Exchange_Key__c: `contact:bench:${n}` };
      }),
    });
    const post = async (): Promise<boolean> => {
      const res = await request(`${emu.instanceUrl}/services/data/v60.0/composite/sobjects`, {
        method: 'POST', dispatcher, headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', 'sforce-call-options': 'client=SmartCloudConnect' }, body: batch(),
      });
      const body = (await res.body.json()) as Array<{ success: boolean }>;
      return res.statusCode === 200 && body.every((r) => r.success);
    };

    // Phase 1: sustained writes for `seconds`.
    let calls = 0;
    let errors = 0;
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    const deadline = started + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        if (await post()) calls++;
        else errors++;
      }
    }));
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const writesPerSecond = Math.round((calls * 200) / elapsed);
    const writesPerCpuSecond = Math.round((calls * 200) / ((cpu.user + cpu.system) / 1e6));

    // Phase 2: top up to `target` records and measure what the process holds.
    const loadStart = performance.now();
    while (serial < target) {
      const remaining = Math.ceil((target - serial) / 200);
      await Promise.all(Array.from({ length: Math.min(concurrency, remaining) }, () => post()));
    }
    const recordsLoadSeconds = (performance.now() - loadStart) / 1000;
    gc();
    const mem = process.memoryUsage();
    return {
      writesPerSecond, writesPerCpuSecond, writeCalls: calls, writeErrors: errors, seconds: Number(elapsed.toFixed(2)), concurrency,
      records: emu.admin.recordCount(), recordsLoadSeconds: Number(recordsLoadSeconds.toFixed(2)),
      heapUsedMB: Math.round(mem.heapUsed / 1_048_576), rssMB: Math.round(mem.rss / 1_048_576),
      retainedEvents: emu.admin.lastReplayId(),
    };
  } finally {
    await dispatcher.close();
    await emu.close();
  }
}

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  runSalesforceBench({ seconds: arg('seconds'), records: arg('records'), concurrency: arg('concurrency') })
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((e: unknown) => {
      process.stderr.write(`bench failed: ${(e as Error).message}\n`);
      process.exit(1);
    });
}
