// loadConfig(env) → Config: the only reader of environment variables. Each variable is checked
// with zod; every problem is collected so one ConfigError names all missing or malformed
// variables and how to fix them. Secret values are wrapped in Secret and never echoed.
import { z } from 'zod';
import { Secret } from './secrets.ts';

export type Role = 'web' | 'worker' | 'all';
export type SalesforceAuth =
  | { kind: 'jwt'; username: string; privateKey: Secret }
  | { kind: 'password'; username: string; password: Secret }
  | { kind: 'client_credentials' };

export interface Config {
  role: Role;
  port: number;
  publicUrl: string | undefined;
  workerApiToken: Secret | undefined;
  databaseUrl: Secret;
  encryptionKey: Secret | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  syncConcurrency: number;
  leaseTtlMs: number;
  workerId: string | undefined;
  salesforce: {
    loginUrl: string;
    clientId: string;
    clientSecret: Secret | undefined;
    apiVersion: string;
    streaming: 'cdc' | 'pushtopic';
    /** Most ms one REST/SOQL/composite/token request may take (not the CometD long poll). */
    requestTimeoutMs: number;
    auth: SalesforceAuth;
  };
  graph: {
    tenantId: string;
    clientId: string;
    clientSecret: Secret;
    baseUrl: string;
    tokenUrl: string;
    caCertPath: string | undefined;
    clientStateSecret: Secret | undefined;
  };
  /** Filed-email logging rules (runtime EmailOptions). */
  email: {
    includeInline: boolean;
    maxAttachmentBytes: number;
    sharedActivities: boolean;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(
      [
        'The worker is not configured: fix these environment variables and start again.',
        ...problems.map((p) => `  - ${p}`),
        'Every variable is described in docs/configuration.md. To try SmartCloud Connect without',
        'any configuration, run `npm run demo` (local emulators of Salesforce and Microsoft Graph).',
      ].join('\n'),
    );
  }
}

const httpUrl = z.url({ protocol: /^https?$/ });
const key32 = z.string().refine((v) => {
  const t = v.trim();
  return /^[0-9a-fA-F]{64}$/.test(t) || (/^[A-Za-z0-9+/]+={0,2}$/.test(t) && Buffer.from(t, 'base64').length === 32);
});

// true/false only (any case): z.coerce.boolean() would read "false" as true.
const flag = (fallback: boolean) =>
  z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .pipe(z.enum(['true', 'false']))
    .transform((v) => v === 'true')
    .default(fallback);

interface Rule {
  schema: z.ZodType;
  help: string;
}

const RULES = {
  WORKER_ROLE: { schema: z.enum(['web', 'worker', 'all']).default('all'), help: 'one of web, worker, all' },
  PORT: { schema: z.coerce.number().int().min(1).max(65535).default(3000), help: 'a TCP port number, e.g. 3000' },
  PUBLIC_URL: { schema: httpUrl.optional(), help: "the worker's public https URL (Graph webhooks), e.g. https://scc.herokuapp.com" },
  WORKER_API_TOKEN: { schema: z.string().min(32).optional(), help: 'a random string of at least 32 characters (e.g. `openssl rand -hex 32`), also stored in Salesforce' },
  DATABASE_URL: {
    schema: z.string().regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/).default('sqlite:./data/scc.db'),
    help: 'sqlite:./data/scc.db or postgres://user:password@host:5432/db',
  },
  ENCRYPTION_KEY: { schema: key32.optional(), help: '32 random bytes as 64 hex characters (`openssl rand -hex 32`)' },
  LOG_LEVEL: { schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), help: 'one of fatal, error, warn, info, debug, trace, silent' },
  SYNC_CONCURRENCY: { schema: z.coerce.number().int().min(1).max(64).default(4), help: 'how many mailboxes one process syncs at once, 1–64' },
  LEASE_TTL_SECONDS: { schema: z.coerce.number().int().min(5).max(3600).default(60), help: 'mailbox lease length in seconds, 5–3600' },
  WORKER_ID: { schema: z.string().min(1).max(200).optional(), help: 'a name for this process in leases (defaults to DYNO or host:pid)' },
  SALESFORCE_LOGIN_URL: { schema: httpUrl.default('https://login.salesforce.com'), help: 'https://login.salesforce.com, https://test.salesforce.com or your My Domain URL' },
  SALESFORCE_CLIENT_ID: { schema: z.string().min(1), help: "the Connected App's consumer key" },
  SALESFORCE_CLIENT_SECRET: { schema: z.string().min(1).optional(), help: "the Connected App's consumer secret" },
  SALESFORCE_USERNAME: { schema: z.string().min(3).optional(), help: 'the integration user, e.g. integration@acme.com' },
  SALESFORCE_PRIVATE_KEY: { schema: z.string().includes('PRIVATE KEY').optional(), help: 'the PEM private key of the JWT certificate (-----BEGIN PRIVATE KEY-----…)' },
  SALESFORCE_PASSWORD: { schema: z.string().min(1).optional(), help: 'the integration user password (+ security token), sandboxes only' },
  SALESFORCE_API_VERSION: { schema: z.string().regex(/^\d{2,3}\.0$/).default('60.0'), help: 'an API version like 60.0' },
  SALESFORCE_STREAMING: { schema: z.enum(['cdc', 'pushtopic']).default('cdc'), help: 'cdc (Change Data Capture) or pushtopic' },
  // jsforce alone would wait 30 minutes on a stuck socket, holding the mailbox's lease all along.
  SALESFORCE_REQUEST_TIMEOUT_SECONDS: { schema: z.coerce.number().positive().max(1800).default(60), help: 'seconds one Salesforce API request may take, more than 0 and at most 1800 (e.g. 60)' },
  GRAPH_TENANT_ID: { schema: z.string().min(1), help: 'the Microsoft Entra tenant id (a GUID) or domain' },
  GRAPH_CLIENT_ID: { schema: z.string().min(1), help: 'the app registration (client) id' },
  GRAPH_CLIENT_SECRET: { schema: z.string().min(1), help: "the app registration's client secret value" },
  GRAPH_BASE_URL: { schema: httpUrl.default('https://graph.microsoft.com/v1.0'), help: 'https://graph.microsoft.com/v1.0' },
  GRAPH_TOKEN_URL: { schema: httpUrl.optional(), help: 'defaults to https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token' },
  GRAPH_CA_CERT_PATH: { schema: z.string().min(1).optional(), help: 'path to a CA certificate PEM (emulator only)' },
  GRAPH_CLIENT_STATE_SECRET: { schema: z.string().min(16).optional(), help: 'a random string of at least 16 characters used to sign webhook clientState' },
  EMAIL_INCLUDE_INLINE: { schema: flag(false), help: 'true or false (save inline images of filed emails as files too)' },
  // Graph caps a message attachment at 150 MB; a lower cap keeps large files out of Salesforce storage.
  EMAIL_MAX_ATTACHMENT_MB: { schema: z.coerce.number().positive().max(150).default(150), help: 'the largest attachment saved to Salesforce, in MB, more than 0 and at most 150 (e.g. 25)' },
  SALESFORCE_SHARED_ACTIVITIES: { schema: flag(true), help: 'true or false (false when the org has Shared Activities off: no TaskRelation rows for further contacts)' },
} satisfies Record<string, Rule>;

type Name = keyof typeof RULES;
type Values = { [K in Name]: z.infer<(typeof RULES)[K]['schema']> };

export function loadConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const values: Partial<Record<Name, unknown>> = {};
  for (const [name, rule] of Object.entries(RULES) as [Name, Rule][]) {
    const raw = env[name];
    // An empty variable counts as unset: Heroku config and .env files often leave blanks.
    const input = raw === undefined || raw.trim() === '' ? undefined : raw;
    const parsed = rule.schema.safeParse(input);
    if (parsed.success) values[name] = parsed.data;
    else problems.push(input === undefined ? `${name} is missing: set it to ${rule.help}` : `${name} is malformed: expected ${rule.help}`);
  }
  const v = values as Values;

  const role = v.WORKER_ROLE ?? 'all';
  if (role !== 'worker' && !v.WORKER_API_TOKEN && !problems.some((p) => p.startsWith('WORKER_API_TOKEN'))) {
    problems.push(`WORKER_API_TOKEN is missing: set it to ${RULES.WORKER_API_TOKEN.help}`);
  }
  if (v.PUBLIC_URL && !v.GRAPH_CLIENT_STATE_SECRET && !problems.some((p) => p.startsWith('GRAPH_CLIENT_STATE_SECRET'))) {
    problems.push(`GRAPH_CLIENT_STATE_SECRET is missing (needed with PUBLIC_URL): set it to ${RULES.GRAPH_CLIENT_STATE_SECRET.help}`);
  }

  let auth: SalesforceAuth | undefined;
  if (v.SALESFORCE_PRIVATE_KEY) {
    if (v.SALESFORCE_USERNAME) auth = { kind: 'jwt', username: v.SALESFORCE_USERNAME, privateKey: new Secret(v.SALESFORCE_PRIVATE_KEY) };
    else problems.push(`SALESFORCE_USERNAME is missing (needed with SALESFORCE_PRIVATE_KEY): set it to ${RULES.SALESFORCE_USERNAME.help}`);
  } else if (v.SALESFORCE_PASSWORD) {
    if (v.SALESFORCE_USERNAME) auth = { kind: 'password', username: v.SALESFORCE_USERNAME, password: new Secret(v.SALESFORCE_PASSWORD) };
    else problems.push(`SALESFORCE_USERNAME is missing (needed with SALESFORCE_PASSWORD): set it to ${RULES.SALESFORCE_USERNAME.help}`);
  } else if (v.SALESFORCE_CLIENT_SECRET) {
    auth = { kind: 'client_credentials' };
  } else if (!problems.some((p) => p.startsWith('SALESFORCE_'))) {
    problems.push(
      'SALESFORCE_CLIENT_SECRET is missing: set SALESFORCE_CLIENT_SECRET (client credentials), or SALESFORCE_USERNAME + SALESFORCE_PRIVATE_KEY (JWT bearer), or SALESFORCE_USERNAME + SALESFORCE_PASSWORD (sandbox)',
    );
  }

  if (problems.length > 0 || !auth) throw new ConfigError(problems);

  const secretOrUndefined = (s: string | undefined) => (s === undefined ? undefined : new Secret(s));
  return {
    role,
    port: v.PORT,
    publicUrl: v.PUBLIC_URL,
    workerApiToken: secretOrUndefined(v.WORKER_API_TOKEN),
    databaseUrl: new Secret(v.DATABASE_URL),
    encryptionKey: secretOrUndefined(v.ENCRYPTION_KEY),
    logLevel: v.LOG_LEVEL,
    syncConcurrency: v.SYNC_CONCURRENCY,
    leaseTtlMs: v.LEASE_TTL_SECONDS * 1000,
    workerId: v.WORKER_ID,
    salesforce: {
      loginUrl: v.SALESFORCE_LOGIN_URL.replace(/\/+$/, ''),
      clientId: v.SALESFORCE_CLIENT_ID,
      clientSecret: secretOrUndefined(v.SALESFORCE_CLIENT_SECRET),
      apiVersion: v.SALESFORCE_API_VERSION,
      streaming: v.SALESFORCE_STREAMING,
      requestTimeoutMs: Math.round(v.SALESFORCE_REQUEST_TIMEOUT_SECONDS * 1000),
      auth,
    },
    graph: {
      tenantId: v.GRAPH_TENANT_ID,
      clientId: v.GRAPH_CLIENT_ID,
      clientSecret: new Secret(v.GRAPH_CLIENT_SECRET),
      baseUrl: v.GRAPH_BASE_URL.replace(/\/+$/, ''),
      tokenUrl: v.GRAPH_TOKEN_URL ?? `https://login.microsoftonline.com/${encodeURIComponent(v.GRAPH_TENANT_ID)}/oauth2/v2.0/token`,
      caCertPath: v.GRAPH_CA_CERT_PATH,
      clientStateSecret: secretOrUndefined(v.GRAPH_CLIENT_STATE_SECRET),
    },
    email: {
      includeInline: v.EMAIL_INCLUDE_INLINE,
      maxAttachmentBytes: Math.floor(v.EMAIL_MAX_ATTACHMENT_MB * 1024 * 1024),
      sharedActivities: v.SALESFORCE_SHARED_ACTIVITIES,
    },
  };
}
