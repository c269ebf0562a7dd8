// buildUi(outDir) → compiles the project's LWCs (force-app/main/default/lwc, namespace c) with the
// page host into one ES bundle (outDir/main.js) using the same LWC engine version sfdx-lwc-jest
// runs (lwc 8.28.2) and lightning-base-components for the lightning-* tags. Platform modules that
// need a Salesforce server are replaced: @salesforce/apex/* by a client of the Apex bridge,
// lightning/platformShowToastEvent and lightning/navigation by recording stubs.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import lwcModule from '@lwc/rollup-plugin';
import replaceModule from '@rollup/plugin-replace';
import { rollup, type Plugin } from 'rollup';

/** A CommonJS plugin's factory, whichever way the ESM loader hands its default export over. */
function factory<F>(mod: F | { default: F }): F {
  return typeof mod === 'function' ? (mod as F) : (mod as { default: F }).default;
}
const lwc = factory(lwcModule);
const replace = factory(replaceModule);

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
const lwcDir = path.join(repoRoot, 'force-app/main/default/lwc');
const stubs = path.join(here, 'stubs');

/** c/<name> → its module file, for every component folder in force-app (SFDX layout has no namespace folder). */
function projectModules(): Array<{ name: string; path: string }> {
  return readdirSync(lwcDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(lwcDir, d.name, `${d.name}.js`)))
    .map((d) => ({ name: `c/${d.name}`, path: path.join(lwcDir, d.name, `${d.name}.js`) }));
}

const APEX_PREFIX = '\0apex:';
const ICONS_STUB = '\0icon-templates';

/** Resolves the platform modules before the LWC resolver looks for them. */
function platformStubs(): Plugin {
  return {
    name: 'scc-platform-stubs',
    resolveId(source) {
      if (source === '@salesforce/apex') return path.join(stubs, 'apex.js');
      if (source.startsWith('@salesforce/apex/')) return APEX_PREFIX + source.slice('@salesforce/apex/'.length);
      if (source === 'lightning/platformShowToastEvent') return path.join(stubs, 'toast.js');
      if (source === 'lightning/navigation') return path.join(stubs, 'navigation.js');
      // The inline SVG icon libraries are ~2 MB of templates that take most of the build time;
      // without them lightning-icon keeps its SLDS container and colours, the glyph stays empty.
      if (source.startsWith('lightning/iconSvgTemplates')) return ICONS_STUB;
      return null;
    },
    load(id) {
      if (id === ICONS_STUB) return 'export default {};\n';
      if (!id.startsWith(APEX_PREFIX)) return null;
      const [className, methodName] = id.slice(APEX_PREFIX.length).split('.');
      if (!className || !methodName) throw new Error(`Apex import ${id.slice(APEX_PREFIX.length)} is not <Class>.<method>`);
      return `import { apexMethod } from ${JSON.stringify(path.join(stubs, 'apex.js'))};\nexport default apexMethod(${JSON.stringify(className)}, ${JSON.stringify(methodName)});\n`;
    },
  };
}

export async function buildUi(outDir: string): Promise<{ ms: number; files: string[] }> {
  const started = Date.now();
  const bundle = await rollup({
    input: path.join(here, 'page/main.js'),
    plugins: [
      platformStubs(),
      replace({ preventAssignment: true, values: { 'process.env.NODE_ENV': JSON.stringify('development'), 'import.meta.env.SSR': 'false' } }),
      lwc({
        rootDir: repoRoot,
        enableDynamicComponents: true,
        // Base components (lightning-combobox) call attachInternals(); Lightning Experience allows it under synthetic shadow.
        enableSyntheticElementInternals: true,
        modules: [...projectModules(), { npm: 'lightning-base-components' }],
      }),
    ],
    onwarn(warning, warn) {
      // Base components carry circular imports and `this` at module level; neither matters here.
      if (warning.code === 'CIRCULAR_DEPENDENCY' || warning.code === 'THIS_IS_UNDEFINED') return;
      warn(warning);
    },
  });
  try {
    const { output } = await bundle.write({ dir: outDir, format: 'esm', sourcemap: false });
    return { ms: Date.now() - started, files: output.map((o) => o.fileName) };
  } finally {
    await bundle.close();
  }
}

function filesUnder(dir: string, skip: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip(entry.name)) continue;
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(file, skip));
    else out.push(file);
  }
  return out.sort();
}

/** Hash of everything the bundle depends on: the components, the page host, the stubs, the engine versions. */
export function buildKey(): string {
  const hash = createHash('sha256');
  const version = (pkg: string): string => (JSON.parse(readFileSync(path.join(repoRoot, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  for (const pkg of ['lwc', '@lwc/rollup-plugin', 'lightning-base-components', 'rollup']) hash.update(`${pkg}@${version(pkg)}\n`);
  const inputs = [...filesUnder(lwcDir, (n) => n === '__tests__'), ...filesUnder(path.join(here, 'stubs'), () => false), ...filesUnder(path.join(here, 'page'), () => false), path.join(here, 'build.ts')];
  for (const file of inputs) hash.update(`${path.relative(repoRoot, file)}\n`).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The bundle for the current sources, built at most once per change: the compile of the base
 * components takes a minute or more on a busy machine, so finished builds are kept under
 * $TMPDIR/scc-browser-build/<key>. A build goes to a fresh temp dir and is renamed into place
 * whole, so a crash never leaves a half-written bundle behind.
 */
export async function cachedBuild(): Promise<{ dir: string; cached: boolean; ms: number }> {
  const root = path.join(tmpdir(), 'scc-browser-build');
  const dir = path.join(root, buildKey());
  if (existsSync(path.join(dir, 'main.js'))) return { dir, cached: true, ms: 0 };
  mkdirSync(root, { recursive: true });
  const work = mkdtempSync(path.join(root, 'building-'));
  try {
    const { ms } = await buildUi(work);
    try {
      renameSync(work, dir);
    } catch (error) {
      // Another process finished the same build first: use theirs.
      if (!existsSync(path.join(dir, 'main.js'))) throw error;
    }
    return { dir, cached: false, ms };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
