// The shape every gate returns: one unit per thing checked (a file, a component), each
// passing or failing with readable problems. The aggregator counts units; tests assert on them.

export type Unit = { name: string; ok: boolean; problems: string[] };
export type GateReport = { units: Unit[]; notes: string[] };

/** A gate could not run at all (tool missing, crash): the message names what to install or fix. */
export class GateError extends Error {
  override name = 'GateError';
}

export function unit(name: string, problems: string[]): Unit {
  return { name, ok: problems.length === 0, problems };
}

export function failedUnits(report: GateReport): Unit[] {
  return report.units.filter((u) => !u.ok);
}

/** Problems of one unit found by a path suffix, for tests: `problemsOf(r, 'Bad.cls')`. */
export function problemsOf(report: GateReport, suffix: string): string[] {
  const found = report.units.filter((u) => u.name.endsWith(suffix));
  if (found.length === 0) throw new Error(`no unit named …${suffix} in ${report.units.map((u) => u.name).join(', ')}`);
  return found.flatMap((u) => u.problems);
}
