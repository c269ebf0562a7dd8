// Run counts: successful writes per kind and direction; failed writes, conflicts and issues.
import { describe, expect, it } from 'vitest';
import type { KindReport } from '../core/sync.ts';
import type { Action } from '../core/types.ts';
import { countReport, nestCounts } from './counts.ts';

const create = (side: 'salesforce' | 'exchange'): Action => ({ type: 'create', item: { kind: 'contact' }, situation: 'new-in-salesforce', side, key: 'k', fields: {} });

describe('counts', () => {
  it('counts successful writes per direction, not failed ones', () => {
    const ok = create('exchange');
    const failed = create('salesforce');
    const conflict: Action = { type: 'conflict', item: { kind: 'contact' }, situation: 'changed-in-both-same-field', fields: [], message: 'm' };
    const report: KindReport = { kind: 'contact', actions: [ok, failed, conflict], failures: [{ ok: false, reason: 'rejected', message: 'no', action: failed }], settled: false };
    const flat = countReport(report);
    expect(flat['contact.toExchange']).toBe(1);
    expect(flat['contact.toSalesforce']).toBe(0);
    expect(flat['contact.conflicts']).toBe(1);
    expect(flat['contact.issues']).toBe(2);
    const nested = nestCounts(flat);
    expect(nested.contact).toMatchObject({ toExchange: 1, toSalesforce: 0, created: 1, toExchangeBy: { created: 1 } });
  });
});
