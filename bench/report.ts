// Turns scenario results into the printed table: one row per measure with its value, the issue's
// target and whether it was met. A measure whose run ended on its time budget before the full
// volume is "not shown" rather than met: a partial run proves nothing about the whole.
import type { EmulatorsResult } from './scenarios/emulators.ts';
import type { InitialResult } from './scenarios/initial.ts';
import type { LatencyResult } from './scenarios/latency.ts';
import type { MemoryResult } from './scenarios/memory.ts';
import type { ScaleResult } from './scenarios/scale.ts';

export interface Results {
  initialToExchange?: InitialResult;
  initialToSalesforce?: InitialResult;
  latency?: LatencyResult;
  scale?: ScaleResult;
  memory?: MemoryResult;
  emulators?: EmulatorsResult;
}

export interface Row {
  measure: string;
  value: string;
  target: string;
  verdict: 'met' | 'not met' | 'not shown' | '';
}

const verdict = (ok: boolean, complete = true): Row['verdict'] => (!complete ? 'not shown' : ok ? 'met' : 'not met');
const n = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits }) : '–');

export function rows(r: Results): Row[] {
  const out: Row[] = [];
  for (const i of [r.initialToExchange, r.initialToSalesforce]) {
    if (!i) continue;
    const dir = i.direction === 'toExchange' ? 'SF → Exchange' : 'Exchange → SF';
    const got = i.synced.contacts + i.synced.events + i.synced.tasks;
    const want = i.volume.contacts + i.volume.events + i.volume.tasks;
    out.push({
      measure: `Initial sync ${dir} (${n(i.volume.contacts)} c + ${n(i.volume.events)} e + ${n(i.volume.tasks)} t)`,
      value: `${n(got)}/${n(want)} items in ${n(i.seconds, 1)} s, ${n(i.itemsPerSecond, 1)} items/s = ${n(i.ratioToCeiling, 3)} of ${n(i.ceilingPerSecond)}/s${i.done ? '' : ' (budget ended)'}`,
      target: '≥ 0.8 of ceiling',
      verdict: verdict(i.ratioToCeiling >= 0.8),
    });
    const e = i.economy;
    out.push({
      measure: `API economy ${dir}: Salesforce calls / 1,000 items`,
      value: got > 0
        ? `${n(e.salesforcePer1000, 1)} (min ${n(e.salesforceMinPer1000, 1)}) = ${n(e.salesforceRatio, 2)}×; query pages read ${n(e.salesforceQueryPagesPer1000 ?? 0, 1)} (min ${n(e.salesforceQueryPagesMinPer1000 ?? 0, 1)}), ${n(i.cost.salesforceSubrequests ?? 0)} reads carried in ${n(i.cost.salesforceByKind.compositeRequest ?? 0)} composite calls`
        : `no item synced yet; ${n(i.cost.salesforceCalls)} calls spent`,
      target: '≤ 1.1× min',
      verdict: verdict(e.salesforceRatio <= 1.1, got > 0),
    });
    out.push({
      measure: `API economy ${dir}: Graph requests / 1,000 items`,
      value:
        got > 0
          ? `${n(e.graphPer1000, 1)} (min ${n(e.graphMinPer1000, 1)}) = ${n(e.graphRatio, 2)}×; $batch ${n(e.graphBatchesPer1000, 1)} (min ${n(e.graphBatchesMinPer1000, 1)})`
          : `no item synced yet; ${n(i.cost.graphRequests)} requests spent`,
      target: '≤ 1.1× min',
      verdict: verdict(e.graphRatio <= 1.1 && e.graphBatchesPer1000 <= 1.1 * e.graphBatchesMinPer1000, got > 0),
    });
  }
  if (r.latency) {
    const l = r.latency;
    const where = `${n(l.options.changes)} changes / ${n(l.options.mailboxes)} mailboxes`;
    for (const [label, p, limit] of [['SF → Exchange', l.toExchange, 1000], ['Exchange → SF', l.toSalesforce, 1500]] as const) {
      out.push({
        measure: `Live latency ${label} (${where})`,
        value: `p50 ${n(p.p50Ms)} ms, p95 ${n(p.p95Ms)} ms, p99 ${n(p.p99Ms)} ms${p.missing ? `, ${p.missing} missing` : ''}`,
        target: `p95 < ${n(limit)} ms`,
        verdict: verdict(p.p95Ms < limit && p.missing === 0),
      });
    }
  }
  if (r.scale) {
    const s = r.scale;
    const want = s.options.mailboxes * s.options.contactsPerMailbox;
    out.push({
      measure: `Scale ${n(s.options.mailboxes)} mailboxes × ${n(s.options.contactsPerMailbox)} contacts`,
      value: `${n(s.contactsSynced)}/${n(want)} in ${n(s.syncSeconds, 1)} s (+${n(s.setupSeconds, 1)} s setup, of which provisioning ${n(s.provisionSeconds, 1)} s), ${n(s.itemsPerSecond, 1)} items/s${s.done ? '' : ' (budget ended)'}`,
      target: '',
      verdict: '',
    });
    out.push({
      measure: 'Scale: peak RSS, worker process',
      value: `${n(s.peakRssMB)} MB (maxRSS ${n(s.maxRssMB)} MB; ${n(s.rssBeforeSyncMB)} MB with every mailbox provisioned)${s.nodeFlags.length ? `, node ${s.nodeFlags.join(' ')}` : ''}`,
      target: '< 400 MB',
      verdict: verdict(s.maxRssMB < 400, s.done),
    });
    out.push({
      measure: 'Idle cost per mailbox-hour (Real-time backstop)',
      value: `Salesforce ${n(s.idle.salesforceCallsPerMailboxHour, 1)} calls, Graph ${n(s.idle.graphRequestsPerMailboxHour, 1)} requests`,
      target: '',
      verdict: '',
    });
  }
  const detections = [r.latency?.detection, r.scale?.detection].filter((d) => d !== undefined);
  if (detections.length > 0) {
    const calls = detections.map((d) => d.salesforceCallsPerChange);
    out.push({
      measure: 'SF change detection: API calls per change',
      value: detections.map((d) => `${n(d.salesforceCallsPerChange, 2)} at ${n(d.mailboxes)} mailboxes (${d.detected}/${d.changes} seen)`).join('; '),
      target: 'independent of mailboxes',
      verdict: verdict(Math.max(...calls) - Math.min(...calls) < 0.5, detections.length > 1),
    });
  }
  if (r.memory) {
    const m = r.memory;
    out.push({
      measure: `Memory: initial sync of ${n(m.options.contacts)} contacts, worker process`,
      value: `peak RSS ${n(m.peakRssMB)} MB (maxRSS ${n(m.maxRssMB)} MB) after ${n(m.contactsInMailbox)} contacts in ${n(m.seconds, 1)} s${m.done ? '' : ' (budget ended)'}`,
      target: '< 300 MB',
      verdict: verdict(m.maxRssMB < 300, m.done && m.contactsInMailbox >= m.options.contacts),
    });
  }
  if (r.emulators) {
    const e = r.emulators;
    out.push({
      measure: 'Emulator: Salesforce composite writes',
      value: `${n(e.salesforce.writesPerSecond)} records/s (${n(e.salesforce.writesPerCpuSecond)} per CPU s); ${n(e.salesforce.records)} records held in ${n(e.salesforce.rssMB)} MB RSS`,
      target: '',
      verdict: '',
    });
    out.push({
      measure: 'Emulator: Graph requests',
      value: `${n(e.graph.wireRequestsPerSecond)}/s over HTTPS (bare HTTPS server ${n(e.graph.helloHttpsRequestsPerSecond)}/s), ${n(e.graph.coreRequestsPerSecond)}/s in-process`,
      target: '',
      verdict: '',
    });
  }
  return out;
}

export function table(list: readonly Row[]): string {
  const head: Row = { measure: 'Measure', value: 'Value', target: 'Target', verdict: '' };
  const all = [head, ...list];
  const w = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
  const line = (r: Row) => `${r.measure.padEnd(w('measure'))}  ${r.value.padEnd(w('value'))}  ${r.target.padEnd(w('target'))}  ${r.verdict || (r === head ? 'Verdict' : '')}`;
  return [line(head), '-'.repeat(w('measure') + w('value') + w('target') + 14), ...list.map(line)].join('\n');
}
