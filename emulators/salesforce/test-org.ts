// Test helper: an emulator plus jsforce connections logged in the way the product logs in.
import jsforce, { type Connection } from 'jsforce';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SCHEMA_DIR, startSalesforceEmulator, type SalesforceEmulator, type SalesforceEmulatorOptions } from './index.ts';

export const FIXTURE_SCHEMA_DIR = fileURLToPath(new URL('./fixtures/objects', import.meta.url));

export async function startTestOrg(options: SalesforceEmulatorOptions = {}): Promise<SalesforceEmulator> {
  return startSalesforceEmulator({ seed: 'none', streamingTimeoutSec: 5, schemaDir: [DEFAULT_SCHEMA_DIR, FIXTURE_SCHEMA_DIR], ...options });
}

/** A jsforce connection logged in with the OAuth password flow (jsforce re-logs in on 401). */
export async function connect(emu: SalesforceEmulator, opts: { client?: string } = {}): Promise<Connection> {
  const c = emu.credentials;
  const conn = new jsforce.Connection({
    loginUrl: emu.loginUrl,
    oauth2: { clientId: c.clientId, clientSecret: c.clientSecret, loginUrl: emu.loginUrl },
    version: '60.0',
    ...(opts.client ? { callOptions: { client: opts.client } } : {}),
  });
  await conn.login(c.username, c.password);
  return conn;
}

/** Polls `check` until it returns true or the deadline passes (bounded, no fixed sleeps). */
export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 10));
  }
}
