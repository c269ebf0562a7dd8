// The effect gate in front of file uploads. The worker streams a ContentVersion insert with
// undici's request() straight to `sf.instanceUrl` (worker/src/salesforce/files.ts), around the
// jsforce connection that ./world.ts gates. So the gated parts get an instance URL that points
// at a loopback relay: each upload is one effect of the gate, forwarded whole to the emulator.
// A crash before it cuts the connection before anything reaches Salesforce; a crash after it
// cuts the connection once Salesforce has stored the file, before the worker hears the answer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { GatedParts } from './world.ts';

/** Headers that belong to one hop (RFC 9110 §7.6.1), not to the request being relayed. */
const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection']);

interface Relayed {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

function endToEnd(headers: IncomingMessage['headers'] | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_HEADERS.has(name.toLowerCase())) out[name] = value;
  return out;
}

async function relay(upstream: string, req: IncomingMessage): Promise<Relayed> {
  const res = await request(`${upstream}${req.url ?? '/'}`, { method: req.method as 'POST', headers: endToEnd(req.headers), body: req });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: endToEnd(res.headers), body };
}

/** `parts` with file uploads gated too; close() stops the relay. */
export async function gateFileUploads(parts: GatedParts): Promise<{ parts: GatedParts; close(): Promise<void> }> {
  const upstream = parts.sf.instanceUrl.replace(/\/+$/, '');
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]!;
    const upload = req.method === 'POST' && /\/sobjects\/ContentVersion$/.test(path);
    const label = upload ? 'salesforce POST /sobjects/ContentVersion (file upload)' : `salesforce ${req.method ?? 'GET'} ${path}`;
    const forward = (): Promise<Relayed> => relay(upstream, req);
    (upload ? parts.gate.effect(label, forward) : parts.gate.passOrDie(label, forward)).then(
      (r) => {
        res.writeHead(r.status, r.headers);
        res.end(r.body);
      },
      // the process died here: its side of the connection is simply gone (or the worker already dropped it)
      () => req.socket?.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    parts: { ...parts, sf: { ...parts.sf, instanceUrl: `http://127.0.0.1:${port}` } },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
