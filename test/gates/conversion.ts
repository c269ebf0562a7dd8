// Conversion gate: builds a ComponentSet from the source tree with
// @salesforce/source-deploy-retrieve, converts it to Metadata API format and builds
// package.xml, and asserts what the converter itself silently tolerates: every Apex class and
// trigger has its -meta.xml (and every -meta.xml its code), every LWC bundle its js-meta.xml.
// Units: one per Apex file, one per LWC bundle, one per orphan meta file, one for the conversion.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ComponentSet, MetadataConverter, type SourceComponent } from '@salesforce/source-deploy-retrieve';
import { listFiles } from './files.ts';
import { unit, type GateReport, type Unit } from './report.ts';

function lwcBundles(root: string): string[] {
  const dirs = new Set<string>();
  for (const file of listFiles(root, ['.js', '.html', '.js-meta.xml', '.css'])) {
    const parent = path.dirname(file);
    if (path.basename(path.dirname(parent)) === 'lwc') dirs.add(parent);
  }
  return [...dirs].sort();
}

function relative(file: string): string {
  return path.relative(process.cwd(), file);
}

export async function checkConversion(root: string): Promise<GateReport> {
  const abs = path.resolve(root);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) return { units: [], notes: [`no source folder ${root}`] };
  const units: Unit[] = [];
  let components: SourceComponent[] = [];
  let set: ComponentSet | undefined;
  let failure: string | undefined;
  try {
    set = ComponentSet.fromSource(abs);
    components = set.getSourceComponents().toArray();
  } catch (e) {
    failure = `${(e as Error).name}: ${(e as Error).message}`;
  }

  const byContent = new Map(components.filter((c) => c.content).map((c) => [path.resolve(c.content!), c]));

  for (const file of listFiles(abs, ['.cls', '.trigger'])) {
    const problems: string[] = [];
    if (!existsSync(`${file}-meta.xml`)) problems.push(`missing ${path.basename(file)}-meta.xml (the converter silently drops this ${file.endsWith('.cls') ? 'class' : 'trigger'})`);
    else if (!failure && !byContent.get(file)?.xml) problems.push('not picked up as a component by source-deploy-retrieve');
    units.push(unit(relative(file), problems));
  }

  for (const meta of listFiles(abs, ['.cls-meta.xml', '.trigger-meta.xml'])) {
    const code = meta.slice(0, -'-meta.xml'.length);
    if (!existsSync(code)) units.push(unit(relative(meta), [`${path.basename(meta)} has no ${path.basename(code)} beside it`]));
  }

  for (const bundle of lwcBundles(abs)) {
    const name = path.basename(bundle);
    const problems: string[] = [];
    if (!existsSync(path.join(bundle, `${name}.js-meta.xml`))) problems.push(`LWC bundle ${name} has no ${name}.js-meta.xml`);
    if (!existsSync(path.join(bundle, `${name}.js`)) && !existsSync(path.join(bundle, `${name}.ts`))) problems.push(`LWC bundle ${name} has no ${name}.js`);
    const stray = readdirSync(bundle).filter((f) => f.endsWith('.js-meta.xml') && f !== `${name}.js-meta.xml`);
    if (stray.length > 0) problems.push(`meta file ${stray.join(', ')} does not match the bundle name ${name}`);
    units.push(unit(relative(bundle), problems));
  }

  // The conversion itself: metadata format plus package.xml listing every component.
  const conversionProblems: string[] = failure ? [`ComponentSet.fromSource failed: ${failure}`] : [];
  if (set && !failure && components.length > 0) {
    const out = mkdtempSync(path.join(os.tmpdir(), 'scc-convert-'));
    try {
      await new MetadataConverter().convert(set, 'metadata', { type: 'directory', outputDirectory: out, genUniqueDir: false });
      const packageXml = await set.getPackageXml();
      for (const c of components) {
        if (!packageXml.includes(`<members>${c.fullName}</members>`)) conversionProblems.push(`${c.type.name} ${c.fullName} missing from package.xml`);
      }
      if (!existsSync(path.join(out, 'package.xml'))) conversionProblems.push('converted output has no package.xml');
    } catch (e) {
      conversionProblems.push(`conversion to metadata format failed: ${(e as Error).message}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  if (failure || components.length > 0) units.push(unit(`convert ${relative(abs) || '.'} → metadata format + package.xml (${components.length} components)`, conversionProblems));
  return { units, notes: components.length === 0 && !failure ? [`no components under ${root}`] : [] };
}
