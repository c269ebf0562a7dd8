// API economy from the emulators' counters: what a sync cost on each side, per 1,000 items, as a
// ratio to the least it could cost. Minimum (issue 11): Salesforce one query page per 2,000
// records read and one collection call per 200 written, per object; Graph one request per item
// written (each $batch sub-request is throttled as a request) and one $batch per 20, plus for
// reads one delta page per 200 items (Graph caps contact delta pages at 200; a Microsoft Q&A
// answer, not the reference docs).
//
// Exchange → Salesforce also writes each Outlook-born contact and task once on the Graph side: the
// Salesforce Id stamp (DESIGN "Identity": every Exchange item carries it, so links can be rebuilt
// from Exchange alone). Those are items written to Graph, so the minimum counts one request each
// (and a $batch per 20 of them). Events carry no such write: the Salesforce side finds them by
// iCalUId through the upsert key.
import type { CounterSnapshot } from '../emulators/salesforce/counters.ts';
import type { Counters } from '../emulators/graph/context.ts';
import type { Volume } from './seed.ts';
import { round } from './stats.ts';

export interface Cost {
  /** REST calls counted against the Salesforce daily API budget. */
  salesforceCalls: number;
  salesforceByKind: Record<string, number>;
  /**
   * Query pages Salesforce served (first pages and query-mores, queryAll too), whether each was
   * its own call or a subrequest of a composite request (one call for up to 5 of them): the
   * table shows both, so folding reads into composites never hides the pages read.
   */
  salesforceQueryPages: number;
  /** Subrequests carried by composite requests (each composite request is one call). */
  salesforceSubrequests: number;
  /** Graph requests as throttled: plain requests plus each $batch sub-request. */
  graphRequests: number;
  /** $batch envelopes (HTTP requests that carried sub-requests). */
  graphBatches: number;
  graphByKind: Record<string, number>;
  /** Graph requests per endpoint template (method + path), to see what is above the minimum. */
  graphByEndpoint: Record<string, number>;
}

export function costOf(sf: CounterSnapshot, graph: Counters): Cost {
  const kinds = { ...graph.kinds };
  const graphBatches = kinds.batch ?? 0;
  const graphRequests = Object.entries(kinds)
    .filter(([k]) => k !== 'batch' && k !== 'token')
    .reduce((n, [, v]) => n + v, 0);
  const byKind = sf.byKind;
  const pageKinds = ['query', 'queryAll', 'queryMore'];
  const salesforceQueryPages = pageKinds.reduce((n, k) => n + (byKind[k] ?? 0) + (byKind[`sub:${k}`] ?? 0) + (byKind[`batch:${k}`] ?? 0), 0);
  const salesforceSubrequests = Object.entries(byKind).filter(([k]) => k.startsWith('sub:')).reduce((n, [, v]) => n + v, 0);
  return {
    salesforceCalls: sf.apiCalls,
    salesforceByKind: { ...byKind },
    salesforceQueryPages,
    salesforceSubrequests,
    graphRequests,
    graphBatches,
    graphByKind: kinds,
    graphByEndpoint: { ...graph.endpoints },
  };
}

export interface Economy {
  items: number;
  salesforcePer1000: number;
  salesforceMinPer1000: number;
  salesforceRatio: number;
  /** Query pages read per 1,000 items (see Cost.salesforceQueryPages), and the least: one per 2,000 records read. */
  salesforceQueryPagesPer1000: number;
  salesforceQueryPagesMinPer1000: number;
  graphPer1000: number;
  graphMinPer1000: number;
  graphRatio: number;
  graphBatchesPer1000: number;
  graphBatchesMinPer1000: number;
}

const kindsOf = (v: Volume): number[] => [v.contacts, v.events, v.tasks].filter((n) => n > 0);

/** `direction` says which side was read and which was written. */
export function economyOf(direction: 'toExchange' | 'toSalesforce', volume: Volume, cost: Cost): Economy {
  const items = kindsOf(volume).reduce((a, b) => a + b, 0);
  const ceilSum = (per: number): number => kindsOf(volume).reduce((n, k) => n + Math.ceil(k / per), 0);
  const sfMin = direction === 'toExchange' ? ceilSum(2000) : ceilSum(200);
  const stamped = volume.contacts + volume.tasks;
  const stampBatches = [volume.contacts, volume.tasks].reduce((n, k) => n + Math.ceil(k / 20), 0);
  const graphMin = direction === 'toExchange' ? items : ceilSum(200) + stamped;
  const batchMin = direction === 'toExchange' ? ceilSum(20) : stampBatches;
  const per1000 = (n: number): number => round((n / Math.max(1, items)) * 1000, 2);
  return {
    items,
    salesforcePer1000: per1000(cost.salesforceCalls),
    salesforceMinPer1000: per1000(sfMin),
    salesforceRatio: round(cost.salesforceCalls / sfMin, 2),
    salesforceQueryPagesPer1000: per1000(cost.salesforceQueryPages ?? 0),
    // reading the (empty) Salesforce side of an Exchange → Salesforce sync costs a page per object
    salesforceQueryPagesMinPer1000: per1000(direction === 'toExchange' ? ceilSum(2000) : kindsOf(volume).length),
    graphPer1000: per1000(cost.graphRequests),
    graphMinPer1000: per1000(graphMin),
    graphRatio: round(cost.graphRequests / graphMin, 2),
    graphBatchesPer1000: per1000(cost.graphBatches),
    graphBatchesMinPer1000: per1000(batchMin),
  };
}
