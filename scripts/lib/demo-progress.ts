// createProgress({ out, tty }) → one progress line per mailbox during the initial sync. On a
// terminal: a cli-progress multibar (redrawn in place). Otherwise (CI, a pipe, a test): plain
// lines, one when a mailbox starts, at each quarter it passes and when it completes, so logs
// stay short and readable. Values are whatever the caller measured; nothing is estimated here.
import cliProgress from 'cli-progress';

export interface Progress {
  add(name: string, total: number): void;
  update(name: string, value: number): void;
  stop(): void;
}

export interface ProgressOptions {
  out: NodeJS.WritableStream;
  /** Draw bars (true) or print plain lines (false). */
  tty: boolean;
}

export function createProgress(options: ProgressOptions): Progress {
  return options.tty ? barProgress(options.out) : lineProgress(options.out);
}

function barProgress(out: NodeJS.WritableStream): Progress {
  const multi = new cliProgress.MultiBar(
    {
      stream: out,
      format: ' {name} [{bar}] {value}/{total} items | {duration}s',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const width = { name: 0 };
  return {
    add(name, total) {
      width.name = Math.max(width.name, name.length);
      bars.set(name, multi.create(total, 0, { name }));
      for (const [n, bar] of bars) bar.update({ name: n.padEnd(width.name) });
    },
    update(name, value) {
      bars.get(name)?.update(value);
    },
    stop() {
      multi.stop();
    },
  };
}

function lineProgress(out: NodeJS.WritableStream): Progress {
  const state = new Map<string, { total: number; quarter: number; started: number }>();
  const write = (name: string, value: number, total: number, started: number): void => {
    const pct = total === 0 ? 100 : Math.floor((value / total) * 100);
    out.write(`  ${name}: ${value}/${total} items (${pct}%) after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  };
  return {
    add(name, total) {
      const started = Date.now();
      state.set(name, { total, quarter: 0, started });
      write(name, 0, total, started);
    },
    update(name, value) {
      const s = state.get(name);
      if (!s) return;
      const quarter = s.total === 0 ? 4 : Math.min(4, Math.floor((value / s.total) * 4));
      if (quarter <= s.quarter) return;
      s.quarter = quarter;
      write(name, value, s.total, s.started);
    },
    stop() {
      state.clear();
    },
  };
}
