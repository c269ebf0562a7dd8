// An authenticated jsforce connection to one Salesforce org.
// Contract: connectSalesforce(config) runs one OAuth grant against {loginUrl}/services/oauth2/token
// (JWT bearer or client credentials for production, password for sandboxes and the emulator)
// and returns a connection whose every request carries `Sforce-Call-Options: client=SmartCloudConnect`
// (the CDC echo marker). A 401 on any call re-runs the same grant once and retries the call
// (jsforce's refresh delegate); a failed grant surfaces as a SalesforceError of kind `auth`.
// Every REST/SOQL/composite/token request is bounded by `requestTimeoutMs` (default 60 s, headers
// and body): past it the call fails with a temporary SalesforceError `TIMEOUT`, so a stuck socket
// fails the run (the mailbox backs off and retries) instead of holding its lease for jsforce's
// own 30-minute default. The CometD long poll (faye, its own HTTP client) is not affected.
// Credentials, tokens and the private key never appear in errors or logs.
import { createPrivateKey, sign } from 'node:crypto';
import { Connection } from 'jsforce';
import { SalesforceError, requestTimedOut, toSalesforceError } from './errors.ts';

export const API_VERSION = '60.0';
export const CALL_OPTIONS_CLIENT = 'SmartCloudConnect';
/** Long enough for a 200-record composite write or a 2,000-row query page on a busy org. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export type SalesforceAuth =
  | { kind: 'password'; username: string; password: string; clientId: string; clientSecret: string }
  | { kind: 'client-credentials'; clientId: string; clientSecret: string }
  | {
      kind: 'jwt';
      username: string;
      clientId: string;
      /** PEM (PKCS#1 or PKCS#8) RSA private key, e.g. SALESFORCE_PRIVATE_KEY. */
      privateKey: string;
      /** Token audience; default from the login URL (see jwtAudience). */
      audience?: string;
    };

export interface SalesforceConfig {
  loginUrl: string;
  auth: SalesforceAuth;
  apiVersion?: string;
  /** Most ms one REST/token request may take, answer included (default DEFAULT_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** Wall clock in ms, injected so JWT expiry is testable. */
  now?: () => number;
}

export interface SalesforceConnection {
  /** The jsforce connection (REST, query, streaming). */
  readonly conn: Connection;
  readonly userId: string;
  readonly orgId: string;
  readonly instanceUrl: string;
  readonly apiVersion: string;
  /** The bound on one request (ms); callers that bypass jsforce (file uploads) use it too. */
  readonly requestTimeoutMs: number;
  /** Current access token; read it when opening a new CometD client. */
  accessToken(): string;
  /** Run the grant again (used by the feed after a CometD auth failure). */
  refresh(): Promise<void>;
  /** HTTP requests sent to Salesforce by this connection (token requests included). */
  apiCalls(): number;
  close(): Promise<void>;
}

interface TokenResponse {
  access_token: string;
  instance_url: string;
  id: string;
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export async function connectSalesforce(config: SalesforceConfig): Promise<SalesforceConnection> {
  const loginUrl = config.loginUrl.replace(/\/+$/, '');
  const apiVersion = config.apiVersion ?? API_VERSION;
  const now = config.now ?? Date.now;
  const requestTimeoutMs = config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!(requestTimeoutMs > 0)) throw new RangeError('requestTimeoutMs must be a positive number of ms');
  const auth = config.auth;
  if (auth.kind === 'jwt') createPrivateKeyOrThrow(auth.privateKey);

  let calls = 0;
  const conn: Connection = new Connection({
    loginUrl,
    version: apiVersion,
    oauth2: {
      loginUrl,
      clientId: auth.clientId,
      clientSecret: auth.kind === 'jwt' ? undefined : auth.clientSecret,
    },
    callOptions: { client: CALL_OPTIONS_CLIENT },
    refreshFn: (c, callback) => {
      grant()
        .then((res) => callback(undefined, res.access_token, res as never))
        .catch((err: unknown) => callback(toSalesforceError(err)));
    },
  });
  countRequests(conn, () => {
    calls += 1;
  });
  boundRequests(conn, requestTimeoutMs);

  async function grant(): Promise<TokenResponse> {
    let params: { grant_type: string; [name: string]: string };
    if (auth.kind === 'password') {
      params = { grant_type: 'password', username: auth.username, password: auth.password };
    } else if (auth.kind === 'client-credentials') {
      params = { grant_type: 'client_credentials' };
    } else {
      params = { grant_type: JWT_GRANT, assertion: jwtAssertion(auth, auth.audience ?? jwtAudience(loginUrl), now()) };
    }
    let res: TokenResponse;
    try {
      res = (await conn.oauth2.requestToken(params)) as unknown as TokenResponse;
    } catch (err) {
      const mapped = toSalesforceError(err);
      // A token endpoint failure that is not a network/5xx problem means the credentials are wrong.
      if (mapped.kind === 'permanent') throw new SalesforceError('auth', mapped.code, mapped.message);
      throw mapped;
    }
    if (!res || typeof res.access_token !== 'string' || typeof res.instance_url !== 'string') {
      throw new SalesforceError('auth', 'INVALID_TOKEN_RESPONSE', 'The token endpoint answered without access_token/instance_url');
    }
    const [organizationId, id] = String(res.id ?? '').split('/').slice(-2);
    conn._establish({
      instanceUrl: res.instance_url,
      accessToken: res.access_token,
      userInfo: { id: id ?? '', organizationId: organizationId ?? '', url: res.id },
    });
    return res;
  }

  await grant();
  const info = conn.userInfo;
  return {
    conn,
    get userId() {
      return conn.userInfo?.id ?? info?.id ?? '';
    },
    get orgId() {
      return conn.userInfo?.organizationId ?? info?.organizationId ?? '';
    },
    get instanceUrl() {
      return conn.instanceUrl;
    },
    apiVersion,
    requestTimeoutMs,
    accessToken: () => conn.accessToken ?? '',
    refresh: async () => {
      await grant();
    },
    apiCalls: () => calls,
    close: async () => {
      // Tokens from these grants are not revoked: other worker processes may share the
      // connected app's session policy, and an unrevoked token simply expires.
      conn._refreshDelegate = undefined;
    },
  };
}

/** Salesforce accepts only https://login.salesforce.com or https://test.salesforce.com as the
 *  JWT audience, even when tokens are requested from a My Domain URL; any other login URL
 *  (the emulator, an Experience Cloud site) is its own audience. */
export function jwtAudience(loginUrl: string): string {
  let host: string;
  try {
    host = new URL(loginUrl).hostname.toLowerCase();
  } catch {
    return loginUrl;
  }
  if (!/(^|\.)salesforce\.com$/.test(host)) return loginUrl;
  return host === 'test.salesforce.com' || host.endsWith('.sandbox.my.salesforce.com')
    ? 'https://test.salesforce.com'
    : 'https://login.salesforce.com';
}

/** RS256 JWT for the OAuth 2.0 JWT bearer flow (iss = consumer key, sub = username, aud = login URL). */
export function jwtAssertion(
  auth: { username: string; clientId: string; privateKey: string },
  audience: string,
  nowMs: number,
): string {
  const header = base64url(JSON.stringify({ alg: 'RS256' }));
  // Salesforce accepts assertions valid for at most three minutes.
  const claims = base64url(
    JSON.stringify({ iss: auth.clientId, sub: auth.username, aud: audience, exp: Math.floor(nowMs / 1000) + 180 }),
  );
  const input = `${header}.${claims}`;
  const signature = sign('RSA-SHA256', Buffer.from(input), createPrivateKeyOrThrow(auth.privateKey));
  return `${input}.${base64url(signature)}`;
}

function createPrivateKeyOrThrow(pem: string): ReturnType<typeof createPrivateKey> {
  try {
    // Environment variables often carry the PEM with literal "\n".
    return createPrivateKey(pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem);
  } catch {
    throw new SalesforceError('auth', 'INVALID_PRIVATE_KEY', 'SALESFORCE_PRIVATE_KEY is not a readable PEM private key');
  }
}

function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

type Transport = Connection['_transport'];

/** The REST transport and the OAuth one (token requests); the CometD client has its own. */
function transportsOf(conn: Connection): Set<Transport> {
  return new Set([conn._transport, (conn.oauth2 as unknown as { _transport: Transport })._transport]);
}

function countRequests(conn: Connection, onRequest: () => void): void {
  for (const transport of transportsOf(conn)) {
    const original = transport.httpRequest.bind(transport);
    transport.httpRequest = ((...args: Parameters<typeof original>) => {
      onRequest();
      return original(...args);
    }) as typeof transport.httpRequest;
  }
}

/**
 * Bound every request of the connection's transports to `ms`, answer body included.
 * jsforce's `timeout` transport option aborts the fetch (freeing the socket) but only until the
 * response headers, and names the abort "due to timeout of 10 minutes" whatever the value; the
 * deadline here also covers a body that stalls, and replaces either failure with one clear
 * temporary error. The request may have been applied: writes are keyed so a retry finds them.
 */
function boundRequests(conn: Connection, ms: number): void {
  for (const transport of transportsOf(conn)) {
    const original = transport.httpRequest.bind(transport);
    transport.httpRequest = ((req: Parameters<typeof original>[0], options: Parameters<typeof original>[1] = {}) => {
      const inner = original(req, { ...options, timeout: ms });
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<Awaited<typeof inner>>((resolve, reject) => {
        const timedOut = () => reject(requestTimedOut(req.method, req.url, ms));
        timer = setTimeout(timedOut, ms);
        inner.then(resolve, (err: unknown) => (isAbort(err) ? timedOut() : reject(err)));
      }).finally(() => clearTimeout(timer));
      // HttpApi reads the response through the stream handle; keep it.
      return Object.assign(bounded, { stream: () => inner.stream() }) as unknown as typeof inner;
    }) as typeof transport.httpRequest;
  }
}

function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}
