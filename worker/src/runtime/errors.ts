// One policy over the connectors' error vocabulary (STYLE.md habit 5): what a failed run
// means for the mailbox. temporary → back off and retry; rate-limited → back off at least
// Retry-After and show Needs Attention; auth → Error status (an admin must act);
// cursor-expired → drop the cursor and resync (links and stamps prevent duplicates);
// anything else → back off and show the message.
import { ExchangeError } from '../graph/errors.ts';
import { SalesforceError } from '../salesforce/errors.ts';

export type FailureKind = 'temporary' | 'rate-limited' | 'auth' | 'cursor-expired' | 'not-found' | 'conflict' | 'permanent';

export interface Failure {
  kind: FailureKind;
  side: 'salesforce' | 'exchange' | 'worker';
  message: string;
  retryAfterMs?: number;
  /** Mailbox_Sync__c.Status__c to show, or undefined to leave the status Active. */
  status?: 'Needs Attention' | 'Error';
}

export function classify(error: unknown): Failure {
  if (error instanceof SalesforceError || error instanceof ExchangeError) {
    const side = error instanceof SalesforceError ? 'salesforce' : 'exchange';
    const where = side === 'salesforce' ? 'Salesforce' : 'Microsoft 365';
    const base = { kind: error.kind, side, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) } as const;
    switch (error.kind) {
      case 'rate-limited':
        return { ...base, status: 'Needs Attention', message: `${where} is throttling requests; the worker waits and retries (${error.message})` };
      case 'auth':
        return { ...base, status: 'Error', message: `${where} refused the worker's credentials or permissions: ${error.message}` };
      case 'temporary':
        return { ...base, message: `${where} is temporarily unavailable; retrying (${error.message})` };
      default:
        return { ...base, status: 'Needs Attention', message: `${where}: ${error.message}` };
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'permanent', side: 'worker', status: 'Needs Attention', message };
}

/** An error carrying the backoff hint the scheduler reads (`retryAfterMs`). */
export class RunError extends Error {
  constructor(
    readonly failure: Failure,
    options?: { cause?: unknown },
  ) {
    super(failure.message, options);
    this.name = 'RunError';
  }
  get retryAfterMs(): number | undefined {
    return this.failure.retryAfterMs;
  }
}
