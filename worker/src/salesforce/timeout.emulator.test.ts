// The Salesforce request timeout against the emulator: an applied write whose answer the
// emulator holds (admin.holdAnswers) fails after the connection's requestTimeoutMs with a
// temporary TIMEOUT error, without waiting for the answer; the keyed retry finds the applied
// record instead of duplicating it; a held query times out the same way; the CometD long poll,
// held far longer than the timeout, keeps delivering.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { connectSalesforce, DEFAULT_REQUEST_TIMEOUT_MS, type SalesforceConnection } from './connection.ts';
import { SalesforceError } from './errors.ts';
import { memoryReplayCursor, startFeed, type FeedChange } from './feed.ts';
import { EXCHANGE_KEY_FIELD, createRecords, type SalesforceRecords } from './records.ts';

const TIMEOUT_MS = 300;
// Far beyond the timeout: a call that waited for the answer shows in the elapsed time even on a loaded machine.
const HOLD_MS = 5_000;

let emu: SalesforceEmulator;
let sf: SalesforceConnection;
let records: SalesforceRecords;

beforeAll(async () => {
  emu = await startSalesforceEmulator({ port: 0, seed: 'none', streamingTimeoutSec: 1 });
  sf = await connectSalesforce({ loginUrl: emu.loginUrl, auth: { kind: 'password', ...emu.credentials }, requestTimeoutMs: TIMEOUT_MS });
  records = createRecords(sf);
});

afterAll(async () => {
  await sf?.close();
  await emu?.close();
});

beforeEach(() => {
  emu.admin.clearFaults();
});

/** Poll a condition until it holds or the deadline passes (no fixed sleeps). */
async function until(probe: () => boolean, what: string, deadlineMs = 15_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function failureOf(call: Promise<unknown>): Promise<SalesforceError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SalesforceError);
  return error as SalesforceError;
}

const contactsKeyed = (key: string) => emu.admin.query(`SELECT Id FROM Contact WHERE ${EXCHANGE_KEY_FIELD} = '${key}'`);

describe('request timeout', () => {
  it('defaults to 60 s and reports the configured bound', () => {
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(60_000);
    expect(sf.requestTimeoutMs).toBe(TIMEOUT_MS);
  });

  it('an applied upsert whose answer is held fails as a temporary TIMEOUT, and the retry does not duplicate', async () => {
    const key = 'timeout-upsert-1';
    emu.admin.holdAnswers({ method: 'PATCH', path: `/composite/sobjects/Contact/${EXCHANGE_KEY_FIELD}`, holdMs: HOLD_MS });
    const started = Date.now();
    // a failed composite request comes back as the outcome of each of its records
    const [outcome] = await records.upsert('Contact', [{ LastName: 'Held', [EXCHANGE_KEY_FIELD]: key }]);
    const took = Date.now() - started;
    expect(outcome?.ok).toBe(false);
    const error = outcome && !outcome.ok ? outcome.error : undefined;
    expect(error).toBeInstanceOf(SalesforceError);
    expect(error).toMatchObject({ kind: 'temporary', code: 'TIMEOUT' });
    expect(error?.message).toMatch(/^Salesforce did not answer PATCH \/services\/data\/v[\d.]+\/composite\/sobjects\/Contact\/SCC_Exchange_Key__c within 300 ms/);
    expect(took).toBeLessThan(HOLD_MS);
    // the emulator applied the write: its outcome was unknown to the caller
    expect(contactsKeyed(key)).toHaveLength(1);

    const [retry] = await records.upsert('Contact', [{ LastName: 'Held', [EXCHANGE_KEY_FIELD]: key }]);
    expect(retry).toMatchObject({ ok: true, created: false });
    expect(contactsKeyed(key)).toHaveLength(1);
  });

  it('a held query fails the same way and names no SOQL', async () => {
    emu.admin.insert('Contact', { LastName: 'Queried' });
    emu.admin.holdAnswers({ method: 'GET', path: '/query', holdMs: HOLD_MS });
    const pages = records.pages("SELECT Id FROM Contact WHERE LastName = 'private-name'");
    const error = await failureOf(pages.next());
    expect(error).toMatchObject({ kind: 'temporary', code: 'TIMEOUT' });
    expect(error.message).not.toContain('private-name');
    // the connection stays usable
    const rows: unknown[] = [];
    for await (const page of records.pages('SELECT Id FROM Contact')) rows.push(...page);
    expect(rows.length).toBeGreaterThanOrEqual(1);
  });

  it('does not bound the CometD long poll (held 1 s here, over three times the timeout)', async () => {
    const seen: FeedChange[] = [];
    const errors: SalesforceError[] = [];
    const feed = await startFeed({
      sf,
      entities: ['Contact'],
      cursor: memoryReplayCursor(),
      onChange: (c) => void seen.push(c),
      onCursorExpired: () => {},
      onError: (e) => void errors.push(e),
    });
    try {
      await feed.ready;
      const connects = () => emu.admin.counters().byKind.streamingConnect ?? 0;
      const before = connects();
      // two more connects: at least one was held the full second and answered, then renewed
      await until(() => connects() >= before + 2, 'two long polls');
      const id = emu.admin.insert('Contact', { LastName: 'AfterLongPoll' });
      await until(() => seen.some((c) => c.recordIds.includes(id)), 'the change event');
      expect(errors).toEqual([]);
    } finally {
      await feed.close();
    }
  });
});
