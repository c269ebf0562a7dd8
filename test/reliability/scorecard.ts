// The scorecard's vocabulary: a family runs seeded cases and returns how many ran and the
// violations found. Each case is named with what it did, so a violation reads as a replayable
// scenario ("seed 7, crash after exchange write #2 of task update sf→ex"). Cases run one
// after another; a case that throws is itself a violation, never a crash of the scorecard.

export interface Violation {
  readonly case: string;
  readonly message: string;
}

export interface FamilyResult {
  readonly family: string;
  readonly cases: number;
  readonly violations: readonly Violation[];
  readonly ms: number;
}

export interface FamilyOptions {
  readonly seed: number;
  /** The full set (npm run reliability -- --full) instead of the fast subset. */
  readonly full: boolean;
  /** Progress lines (the script prints them with --verbose). */
  readonly progress?: (line: string) => void;
}

export type Family = (options: FamilyOptions) => Promise<FamilyResult>;

/** Deterministic PRNG (mulberry32): the same seed replays the same cases. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks `n` items of `all` in a seeded order (all of them when n ≥ length). */
export function sample<T>(all: readonly T[], n: number, seed: number): T[] {
  const rnd = random(seed);
  const copy = [...all];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, Math.min(n, copy.length));
}

/** Collects cases and violations of one family. */
export interface Tally {
  /** Runs one case; `check` returns the violations it found (a throw counts as one). */
  case(name: string, check: () => Promise<readonly string[] | void>): Promise<void>;
  /** Counts `n` cases run elsewhere (e.g. fast-check runs) with their violations. */
  add(n: number, violations: readonly Violation[]): void;
  result(): FamilyResult;
}

export function tally(family: string, options: FamilyOptions): Tally {
  const started = Date.now();
  let cases = 0;
  const violations: Violation[] = [];
  return {
    async case(name, check) {
      cases += 1;
      try {
        const found = (await check()) ?? [];
        for (const message of found) violations.push({ case: name, message });
        options.progress?.(`${family}: ${name} ${found.length === 0 ? 'ok' : `VIOLATED (${found.join('; ')})`}`);
      } catch (error) {
        const message = `case failed: ${error instanceof Error ? error.message : String(error)}`;
        violations.push({ case: name, message });
        options.progress?.(`${family}: ${name} VIOLATED (${message})`);
      }
    },
    add(n, found) {
      cases += n;
      violations.push(...found);
    },
    result: () => ({ family, cases, violations, ms: Date.now() - started }),
  };
}

/** Polls `probe` until truthy or the deadline; returns the value or undefined (never sleeps "enough"). */
export async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 50): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch {
      // a probe may fail while the system settles; the deadline bounds the loop
    }
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
