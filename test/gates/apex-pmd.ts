// PMD gate: runs the rules of pmd-ruleset.xml (PMD 7, from the code-analyzer jars) over
// every Apex file; one unit per file, failing on any violation or processing error.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listFiles } from './files.ts';
import { compiledDriver, runJava } from './java.ts';
import { APEX_SUFFIXES } from './apex-syntax.ts';
import { GateError, unit, type GateReport } from './report.ts';

export const RULESET = fileURLToPath(new URL('./pmd-ruleset.xml', import.meta.url));

export type PmdFinding = { file: string; line: number; rule: string; ruleSet: string; message: string };

type DriverLine =
  | { kind: 'violation'; file: string; line: number; rule: string; ruleSet: string; priority: number; message: string }
  | { kind: 'error'; file: string; message: string };

export function runPmd(root: string, ruleset: string = RULESET): { findings: PmdFinding[]; errors: { file: string; message: string }[] } {
  const r = runJava('PmdDriver', [ruleset, path.resolve(root)], { classDirs: [compiledDriver('PmdDriver')] });
  if (r.status !== 0) throw new GateError(`PMD driver exited ${r.status}: ${r.stderr.trim().slice(0, 2000)}`);
  const findings: PmdFinding[] = [];
  const errors: { file: string; message: string }[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const item = JSON.parse(line) as DriverLine;
    if (item.kind === 'violation') {
      findings.push({ file: item.file, line: item.line, rule: item.rule, ruleSet: item.ruleSet, message: item.message });
    } else {
      errors.push({ file: item.file, message: item.message });
    }
  }
  return { findings, errors };
}

export function checkApexPmd(root: string): GateReport {
  const files = listFiles(root, APEX_SUFFIXES);
  if (files.length === 0) return { units: [], notes: [`no Apex files under ${root}`] };
  const { findings, errors } = runPmd(root);
  const units = files.map((file) => {
    const abs = path.resolve(file);
    const problems = [
      ...findings.filter((f) => f.file === abs).map((f) => `line ${f.line}: ${f.rule} (${f.ruleSet}) ${f.message}`),
      ...errors.filter((e) => e.file === abs).map((e) => `PMD could not analyse: ${e.message.split('\n')[0]}`),
    ];
    return unit(path.relative(process.cwd(), file), problems);
  });
  const stray = errors.filter((e) => !files.includes(e.file) && !files.map((f) => path.resolve(f)).includes(e.file));
  for (const e of stray) units.push(unit(`pmd ${e.file || 'configuration'}`, [e.message.split('\n')[0] ?? e.message]));
  return { units, notes: [] };
}
