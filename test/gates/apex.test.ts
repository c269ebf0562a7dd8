// The three Apex gates on their fixtures: each bad class is rejected by the gate it targets,
// with the finding named; the good project passes all three.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkApexSyntax } from './apex-syntax.ts';
import { checkApexPmd } from './apex-pmd.ts';
import { checkApexTypes } from './apex-types.ts';
import { GateError, failedUnits, problemsOf, type GateReport } from './report.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const good = path.join(fixtures, 'good-project');
const bad = path.join(fixtures, 'apex-bad');
const src = (project: string): string => path.join(project, 'force-app');
const JAVA_TIMEOUT = 300_000;

describe('Apex syntax gate (prettier-plugin-apex)', () => {
  it('accepts every class and trigger of the good project', async () => {
    const report = await checkApexSyntax(src(good));
    expect(report.units.map((u) => path.basename(u.name)).sort()).toEqual([
      'WidgetDefaults.cls',
      'WidgetSelector.cls',
      'WidgetSelectorTest.cls',
      'WidgetTrigger.trigger',
    ]);
    expect(failedUnits(report)).toEqual([]);
  });

  it('rejects a class with a syntax error, and only that one', async () => {
    const report = await checkApexSyntax(src(bad));
    expect(failedUnits(report).map((u) => path.basename(u.name))).toEqual(['BrokenSyntax.cls']);
    expect(problemsOf(report, 'BrokenSyntax.cls')[0]).toMatch(/syntax: Unexpected token ';'/);
  });

  it('has nothing to check in a folder without Apex, and says so', async () => {
    const report = await checkApexSyntax(path.join(fixtures, 'no-such-folder'));
    expect(report.units).toEqual([]);
    expect(report.notes[0]).toMatch(/no Apex files/);
  });
});

describe('PMD gate (security, performance, best practices)', () => {
  let goodReport: GateReport;
  let badReport: GateReport;
  let rulesByFile: Record<string, string[]>;

  // Each PMD run is a JVM start: run once per project, with room for a loaded CI machine.
  beforeAll(() => {
    goodReport = checkApexPmd(src(good));
    badReport = checkApexPmd(src(bad));
    rulesByFile = {};
    for (const u of badReport.units) {
      const rules = u.problems.flatMap((p) => /^line \d+: (\w+) \(/.exec(p)?.[1] ?? []);
      if (rules.length > 0) rulesByFile[path.basename(u.name)] = rules.sort();
    }
  }, JAVA_TIMEOUT);

  it('finds no violation in the good project', () => {
    expect(failedUnits(goodReport)).toEqual([]);
    expect(goodReport.units).toHaveLength(4);
  });

  it('names the rules each bad class breaks', () => {
    expect(rulesByFile).toEqual({
      'BulkUpdater.cls': ['ApexCRUDViolation', 'ApexSharingViolations', 'OperationWithLimitsInLoop'],
      'ContactSearch.cls': ['ApexSOQLInjection'],
    });
  });

  it('rejects the SOQL injection with the rule and line in the message', () => {
    expect(problemsOf(badReport, 'ContactSearch.cls')).toEqual([
      expect.stringMatching(/^line 12: ApexSOQLInjection \(Security\)/),
    ]);
  });

  it('fails a file PMD cannot parse instead of skipping it', () => {
    expect(problemsOf(badReport, 'BrokenSyntax.cls')[0]).toMatch(/PMD could not analyse/);
  });

  it('passes the class whose only fault is a type error PMD cannot see', () => {
    expect(problemsOf(badReport, 'WidgetReader.cls')).toEqual([]);
  });
});

describe('apex-ls type check', () => {
  it('accepts the good project, custom object fields included', () => {
    const report = checkApexTypes(good);
    expect(report.units).toHaveLength(4);
    expect(failedUnits(report)).toEqual([]);
  }, JAVA_TIMEOUT);

  it('rejects an unknown field on a custom object and a syntax error', () => {
    const report = checkApexTypes(bad);
    expect(problemsOf(report, 'WidgetReader.cls')).toEqual([
      "line 12: Missing: Unknown field 'Colour__c' on SObject 'Schema.Widget__c'",
    ]);
    expect(problemsOf(report, 'BrokenSyntax.cls')[0]).toMatch(/^line 3: Syntax: /);
    expect(problemsOf(report, 'ContactSearch.cls')).toEqual([]);
  }, JAVA_TIMEOUT);

  it('refuses a folder that is not an SFDX project', () => {
    expect(() => checkApexTypes(path.join(good, 'force-app'))).toThrow(GateError);
  });
});
