// Apex syntax gate: every .cls/.trigger must parse with prettier-plugin-apex's native
// parser (the jorje grammar). Formatting differences are not findings; parse errors are.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { listFiles } from './files.ts';
import { GateError, unit, type GateReport, type Unit } from './report.ts';

export const APEX_SUFFIXES = ['.cls', '.trigger'] as const;

export async function checkApexSyntax(root: string): Promise<GateReport> {
  let prettier: typeof import('prettier');
  try {
    prettier = await import('prettier');
    await import('prettier-plugin-apex');
  } catch (e) {
    throw new GateError(`prettier / prettier-plugin-apex not installed (npm install): ${(e as Error).message}`);
  }
  const files = listFiles(root, APEX_SUFFIXES);
  const units: Unit[] = [];
  for (const file of files) {
    const problems: string[] = [];
    try {
      await prettier.format(readFileSync(file, 'utf8'), {
        parser: 'apex',
        plugins: ['prettier-plugin-apex'],
        filepath: file,
      });
    } catch (e) {
      problems.push(`syntax: ${String((e as Error).message).replace(/\r?\n/g, ' ')}`);
    }
    units.push(unit(path.relative(process.cwd(), file), problems));
  }
  return { units, notes: files.length === 0 ? [`no Apex files under ${root}`] : [] };
}
