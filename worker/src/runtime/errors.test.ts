// The runtime's error policy as a table: kind → status shown in Salesforce and retry hint.
import { describe, expect, it } from 'vitest';
import { ExchangeError } from '../graph/errors.ts';
import { SalesforceError } from '../salesforce/errors.ts';
import { RunError, classify } from './errors.ts';

describe('classify', () => {
  it.each([
    [new ExchangeError('rate-limited', 429, 'ApplicationThrottled', 'slow down', 60_000), 'rate-limited', 'Needs Attention', 60_000],
    [new SalesforceError('auth', 'INVALID_SESSION_ID', 'expired'), 'auth', 'Error', undefined],
    [new ExchangeError('temporary', 503, 'ServiceUnavailable', 'busy'), 'temporary', undefined, undefined],
    [new ExchangeError('cursor-expired', 410, 'SyncStateNotFound', 'gone'), 'cursor-expired', 'Needs Attention', undefined],
    [new Error('boom'), 'permanent', 'Needs Attention', undefined],
  ])('%s', (error, kind, status, retryAfterMs) => {
    const f = classify(error);
    expect(f.kind).toBe(kind);
    expect(f.status).toBe(status);
    expect(new RunError(f).retryAfterMs).toBe(retryAfterMs);
  });
});
