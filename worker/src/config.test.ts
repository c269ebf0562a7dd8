// Configuration scenarios: a full production env, a sandbox env, and each kind of mistake named.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const base = {
  WORKER_API_TOKEN: 't'.repeat(40),
  SALESFORCE_CLIENT_ID: 'consumer-key',
  SALESFORCE_CLIENT_SECRET: 'consumer-secret-value',
  GRAPH_TENANT_ID: 'contoso.onmicrosoft.com',
  GRAPH_CLIENT_ID: 'app-id',
  GRAPH_CLIENT_SECRET: 'graph-secret-value',
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('fills defaults for a minimal client-credentials setup', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({ role: 'all', port: 3000, syncConcurrency: 4, leaseTtlMs: 60_000, logLevel: 'info' });
    expect(c.databaseUrl.reveal()).toBe('sqlite:./data/scc.db');
    expect(c.salesforce).toMatchObject({ loginUrl: 'https://login.salesforce.com', apiVersion: '60.0', streaming: 'cdc', requestTimeoutMs: 60_000, auth: { kind: 'client_credentials' } });
    expect(c.graph.baseUrl).toBe('https://graph.microsoft.com/v1.0');
    expect(c.graph.tokenUrl).toBe('https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token');
  });

  it('reads the Salesforce request timeout in seconds', () => {
    expect(loadConfig({ ...base, SALESFORCE_REQUEST_TIMEOUT_SECONDS: '2.5' }).salesforce.requestTimeoutMs).toBe(2_500);
    for (const bad of ['0', '-1', 'soon', '1801']) {
      expect(problemsOf({ ...base, SALESFORCE_REQUEST_TIMEOUT_SECONDS: bad })).toEqual([expect.stringMatching(/^SALESFORCE_REQUEST_TIMEOUT_SECONDS is malformed/)]);
    }
  });

  it('never shows a secret when printed', () => {
    const c = loadConfig(base);
    const shown = JSON.stringify(c) + inspect(c, { depth: 10 }) + String(c.graph.clientSecret);
    expect(shown).not.toContain('graph-secret-value');
    expect(shown).not.toContain('consumer-secret-value');
    expect(shown).not.toContain('t'.repeat(40));
    expect(c.graph.clientSecret.reveal()).toBe('graph-secret-value');
  });

  it('picks JWT when a private key is given, password for sandboxes', () => {
    const jwt = loadConfig({ ...base, SALESFORCE_USERNAME: 'int@acme.com', SALESFORCE_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----' });
    expect(jwt.salesforce.auth.kind).toBe('jwt');
    const pw = loadConfig({ ...base, SALESFORCE_CLIENT_SECRET: undefined, SALESFORCE_USERNAME: 'int@acme.com', SALESFORCE_PASSWORD: 'pw' });
    expect(pw.salesforce.auth.kind).toBe('password');
    expect(problemsOf({ ...base, SALESFORCE_PASSWORD: 'pw' })).toEqual([expect.stringMatching(/^SALESFORCE_USERNAME is missing/)]);
  });

  it('names every missing variable at once and points to the demo', () => {
    try {
      loadConfig({});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      for (const name of ['WORKER_API_TOKEN', 'SALESFORCE_CLIENT_ID', 'GRAPH_TENANT_ID', 'GRAPH_CLIENT_ID', 'GRAPH_CLIENT_SECRET']) {
        expect(message).toContain(`${name} is missing`);
      }
      expect(message).toContain('npm run demo');
    }
  });

  it('names malformed variables without echoing their values', () => {
    const problems = problemsOf({
      ...base,
      PORT: 'eighty',
      DATABASE_URL: 'mysql://root:hunter2@db/x',
      WORKER_ROLE: 'both',
      SALESFORCE_STREAMING: 'kafka',
      SALESFORCE_API_VERSION: '60',
      GRAPH_BASE_URL: 'ftp://x',
      ENCRYPTION_KEY: 'short',
      SYNC_CONCURRENCY: '0',
      WORKER_API_TOKEN: 'too-short-token',
    });
    const names = problems.map((p) => p.split(' ')[0]).sort();
    expect(names).toEqual(['DATABASE_URL', 'ENCRYPTION_KEY', 'GRAPH_BASE_URL', 'PORT', 'SALESFORCE_API_VERSION', 'SALESFORCE_STREAMING', 'SYNC_CONCURRENCY', 'WORKER_API_TOKEN', 'WORKER_ROLE']);
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(problems.every((p) => p.includes('is malformed'))).toBe(true);
  });

  it('treats blank variables as unset and lets a worker-only process skip the API token', () => {
    const c = loadConfig({ ...base, WORKER_API_TOKEN: '  ', WORKER_ROLE: 'worker', PORT: '' });
    expect(c.workerApiToken).toBeUndefined();
    expect(c.port).toBe(3000);
    expect(problemsOf({ ...base, WORKER_API_TOKEN: '' })).toEqual([expect.stringMatching(/^WORKER_API_TOKEN is missing/)]);
  });

  it('reads the email logging options, defaulting to 150 MB, no inline images, Shared Activities on', () => {
    expect(loadConfig(base).email).toEqual({ includeInline: false, maxAttachmentBytes: 150 * 1024 * 1024, sharedActivities: true });
    const c = loadConfig({ ...base, EMAIL_INCLUDE_INLINE: 'TRUE', EMAIL_MAX_ATTACHMENT_MB: '2.5', SALESFORCE_SHARED_ACTIVITIES: 'false' });
    expect(c.email).toEqual({ includeInline: true, maxAttachmentBytes: 2_621_440, sharedActivities: false });
    const problems = problemsOf({ ...base, EMAIL_INCLUDE_INLINE: 'yes please', EMAIL_MAX_ATTACHMENT_MB: '200', SALESFORCE_SHARED_ACTIVITIES: '1' });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(['EMAIL_INCLUDE_INLINE', 'EMAIL_MAX_ATTACHMENT_MB', 'SALESFORCE_SHARED_ACTIVITIES']);
    expect(problems.every((p) => p.includes('is malformed'))).toBe(true);
    expect(problemsOf({ ...base, EMAIL_MAX_ATTACHMENT_MB: '0' })).toEqual([expect.stringMatching(/^EMAIL_MAX_ATTACHMENT_MB is malformed/)]);
  });

  it('needs a clientState secret once webhooks are public', () => {
    expect(problemsOf({ ...base, PUBLIC_URL: 'https://scc.example.com' })).toEqual([expect.stringMatching(/^GRAPH_CLIENT_STATE_SECRET is missing/)]);
    expect(loadConfig({ ...base, PUBLIC_URL: 'https://scc.example.com', GRAPH_CLIENT_STATE_SECRET: 's'.repeat(20), ENCRYPTION_KEY: 'ab'.repeat(32) }).publicUrl).toBe('https://scc.example.com');
  });
});
