// Test helper: the real @microsoft/microsoft-graph-client wired to an emulator the way the
// worker's Graph connector wires it to Exchange Online: a token from the token endpoint
// (client_credentials), customHosts for the https host, the emulator CA through an undici
// Agent, and Prefer: IdType="ImmutableId" on every request unless told otherwise.
import { Client, type Middleware } from '@microsoft/microsoft-graph-client';
import { Agent } from 'undici';
import type { GraphEmulator } from './index.ts';

export interface TestClient { client: Client; dispatcher: Agent; token(): Promise<string>; close(): Promise<void> }

export async function fetchToken(emu: GraphEmulator, dispatcher: Agent, secret = emu.clientSecret): Promise<Response> {
  return fetch(emu.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.clientId, client_secret: secret, scope: 'https://graph.microsoft.com/.default' }),
    dispatcher,
  } as RequestInit);
}

export function graphClient(emu: GraphEmulator, opts: { immutable?: boolean; middleware?: Middleware } = {}): TestClient {
  const dispatcher = new Agent({ connect: { ca: emu.caCert } });
  let cached: { token: string; exp: number } | undefined;
  const token = async () => {
    if (cached && cached.exp > Date.now() + 60_000) return cached.token;
    const res = await fetchToken(emu, dispatcher);
    if (!res.ok) throw new Error(`token endpoint: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { access_token: string; expires_in: number };
    cached = { token: body.access_token, exp: Date.now() + body.expires_in * 1000 };
    return cached.token;
  };
  const client = Client.init({
    authProvider: (done) => { token().then((t) => done(null, t), (e: unknown) => done(e, null)); },
    baseUrl: emu.url, // the host: the client appends defaultVersion itself
    customHosts: new Set(['localhost']),
    defaultVersion: 'v1.0',
    fetchOptions: { dispatcher, ...(opts.immutable === false ? {} : { headers: { Prefer: 'IdType="ImmutableId"' } }) },
  } as Parameters<typeof Client.init>[0]);
  return { client, dispatcher, token, close: () => dispatcher.close() };
}
