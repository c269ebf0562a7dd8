// The emulators' own throughput (their bench scripts), so a slow emulator is never mistaken for a
// slow worker: Salesforce composite writes/s, Graph requests/s in-process and over HTTPS beside a
// bare HTTPS server on the same machine, and the memory each holds with many records.
import { runGraphBench, type GraphBenchResult } from '../../emulators/graph/bench.ts';
import { runSalesforceBench, type SalesforceBenchResult } from '../../emulators/salesforce/bench.ts';

export interface EmulatorsOptions {
  seconds: number;
  records: number;
}

export interface EmulatorsResult {
  options: EmulatorsOptions;
  salesforce: SalesforceBenchResult;
  graph: GraphBenchResult;
}

export async function runEmulators(options: EmulatorsOptions): Promise<EmulatorsResult> {
  const salesforce = await runSalesforceBench({ seconds: options.seconds, records: options.records });
  const graph = await runGraphBench({ seconds: options.seconds, items: options.records });
  return { options, salesforce, graph };
}
