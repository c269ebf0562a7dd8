// Test support: a Graph emulator on an ephemeral port with one or more mailboxes, and our
// real client pointed at it (trusting the emulator's CA through the undici dispatcher).
// Contract: startFixture() → { emu, client, mailbox, log, advance(ms), close() }; close() stops both.
import { startGraphEmulator, type GraphEmulator, type GraphEmulatorOptions } from '../../../emulators/graph/index.ts';
import { createGraphClient, type GraphClient, type GraphClientOptions } from './client.ts';

export interface Fixture {
  emu: GraphEmulator;
  client: GraphClient;
  mailbox: string;
  /** Every structured event the client logged, serialized (to prove no secret leaks). */
  log: string[];
  /** Moves the emulator's clock and the client's clock forward together. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export async function startFixture(
  emulatorOptions: GraphEmulatorOptions = {},
  clientOptions: Partial<GraphClientOptions> = {},
  mailbox = 'adele.vance@contoso.test',
): Promise<Fixture> {
  const emu = await startGraphEmulator({ seed: 'none', ...emulatorOptions });
  emu.admin.addMailbox({ address: mailbox, displayName: 'Adele Vance' });
  const log: string[] = [];
  let offset = 0;
  const clock = { now: () => Date.now() + offset, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  const client = createGraphClient({
    baseUrl: emu.baseUrl,
    tokenUrl: emu.tokenUrl,
    tenantId: emu.tenantId,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    caCert: emu.caCert,
    log: (event, data) => log.push(JSON.stringify({ event, ...data })),
    clock,
    ...clientOptions,
  });
  return {
    emu,
    client,
    mailbox,
    log,
    advance(ms) {
      offset += ms;
      emu.admin.advanceClock(ms);
    },
    async close() {
      await client.close();
      await emu.close();
    },
  };
}
