// startUiServer({ buildDir, bridge }) → the page host on 127.0.0.1:0: `/` the page
// (?c=setup|status), `/app/*` the rollup bundle, `/assets/*` and `/slds/*` the SLDS styles and
// sprites, `POST /apex/<Class>/<method>` the Apex bridge. Loopback only; close() ends it.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApexBridge } from './bridge.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const sldsAssets = path.resolve(here, '../../node_modules/@salesforce-ux/design-system/assets');
const MAX_BODY = 1_000_000;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

/** A file under root, or undefined when the path escapes root or does not exist. */
function fileUnder(root: string, rel: string): string | undefined {
  const file = path.resolve(root, `.${path.posix.normalize(`/${decodeURIComponent(rel)}`)}`);
  if (!file.startsWith(root + path.sep)) return undefined;
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

function sendFile(res: ServerResponse, file: string | undefined): void {
  if (!file) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
  createReadStream(file).pipe(res);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const value: unknown = text.trim() ? JSON.parse(text) : {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('parameters must be a JSON object');
  return value as Record<string, unknown>;
}

export async function startUiServer(options: { buildDir: string; bridge: ApexBridge }): Promise<UiServer> {
  const { buildDir, bridge } = options;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const apex = /^\/apex\/([A-Za-z_]\w*)\/([A-Za-z_]\w*)$/.exec(url.pathname);
    if (apex && req.method === 'POST') {
      readJson(req)
        .then((params) => bridge.call(apex[1]!, apex[2]!, params))
        .catch((error: unknown) => ({ status: 400, body: { message: error instanceof Error ? error.message : String(error) } }))
        .then(({ status, body }) => {
          res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
        });
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (url.pathname === '/') return sendFile(res, path.join(here, 'page/index.html'));
    if (url.pathname.startsWith('/app/')) return sendFile(res, fileUnder(buildDir, url.pathname.slice(5)));
    // SLDS stylesheets refer to /assets/…; lightning-icon sprites too.
    if (url.pathname.startsWith('/slds/')) return sendFile(res, fileUnder(sldsAssets, url.pathname.slice(6)));
    if (url.pathname.startsWith('/assets/')) return sendFile(res, fileUnder(sldsAssets, url.pathname.slice(8)));
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    sendFile(res, undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
