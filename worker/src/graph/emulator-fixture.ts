// Test support: a Graph emulator on an ephemeral port with one or more mailboxes, and our
// real client pointed at it (trusting the emulator's CA through the undici dispatcher).
// Contract: startFixture() → { emu, client, mailbox, log, close() }; close() stops both.
import { startGraphEmulator, type GraphEmulator, type GraphEmulatorOptions } from '../../../emulators/graph/index.ts';
import { createGraphClient, type GraphClient, type GraphClientOptions } from './client.ts';

export interface Fixture {
  emu: GraphEmulator;
  client: GraphClient;
  mailbox: string;
  /** Every structured event the client logged, serialized (to prove no secret leaks). */
  log: string[];
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
  const client = createGraphClient({
    baseUrl: emu.baseUrl,
    tokenUrl: emu.tokenUrl,
    tenantId: emu.tenantId,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    caCert: emu.caCert,
    log: (event, data) => log.push(JSON.stringify({ event, ...data })),
    ...clientOptions,
  });
  return {
    emu,
    client,
    mailbox,
    log,
    async close() {
      await client.close();
      await emu.close();
    },
  };
}
