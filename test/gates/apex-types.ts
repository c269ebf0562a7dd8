// apex-ls gate: type-checks the Apex of an SFDX project (needs sfdx-project.json in the
// workspace) against the standard library and the project's own objects and fields —
// unknown fields, methods and types, incompatible assignments. One unit per Apex file.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { listFiles } from './files.ts';
import { runJava } from './java.ts';
import { APEX_SUFFIXES } from './apex-syntax.ts';
import { GateError, unit, type GateReport } from './report.ts';

type ApexLsMessage = { start: { line: number; offset: number }; category: string; message: string };
// Syntax errors list every token the grammar expected: keep the first part readable.
function brief(message: string): string {
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

type ApexLsOutput = { files: { path: string; messages: ApexLsMessage[] }[] };

/** @param workspace folder holding sfdx-project.json; every package directory is checked. */
export function checkApexTypes(workspace: string): GateReport {
  const ws = path.resolve(workspace);
  if (!existsSync(path.join(ws, 'sfdx-project.json'))) throw new GateError(`no sfdx-project.json in ${ws}: apex-ls only reads SFDX projects`);
  const files = listFiles(path.join(ws, 'force-app'), APEX_SUFFIXES);
  if (files.length === 0) return { units: [], notes: [`no Apex files under ${ws}/force-app`] };
  // -n: no cache in the home directory, so results never depend on a previous run.
  const r = runJava('io.github.apexdevtools.apexls.CheckForIssues', ['-w', ws, '-n', '-f', 'json'], { cwd: ws });
  // Exit 0 = clean, 4 = issues found; anything else is the tool failing.
  if (r.status !== 0 && r.status !== 4) throw new GateError(`apex-ls exited ${r.status}: ${r.stderr.trim().slice(0, 2000)}`);
  let parsed: ApexLsOutput;
  try {
    parsed = JSON.parse(r.stdout || '{"files":[]}') as ApexLsOutput;
  } catch {
    throw new GateError(`apex-ls printed no JSON: ${r.stdout.slice(0, 500)} ${r.stderr.slice(0, 500)}`);
  }
  const byFile = new Map(parsed.files.map((f) => [path.resolve(f.path), f.messages]));
  const units = files.map((file) => {
    const messages = byFile.get(path.resolve(file)) ?? [];
    byFile.delete(path.resolve(file));
    return unit(
      path.relative(process.cwd(), file),
      messages.map((m) => `line ${m.start.line}: ${m.category}: ${brief(m.message)}`),
    );
  });
  // Issues on other files (object metadata, the project file) still fail the gate.
  for (const [file, messages] of byFile) {
    units.push(unit(path.relative(process.cwd(), file), messages.map((m) => `${m.category}: ${brief(m.message)}`)));
  }
  return { units, notes: [] };
}
