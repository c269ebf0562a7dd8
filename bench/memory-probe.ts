// Peak resident memory of this process while a phase runs: samples RSS on a timer (the kernel's
// high-water mark cannot be reset between phases), plus the process's lifetime maxRSS.
export interface MemoryProbe {
  /** Highest RSS seen since start (MB). */
  peakMB(): number;
  stop(): number;
}

export function startMemoryProbe(intervalMs = 50): MemoryProbe {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, intervalMs);
  timer.unref();
  const peakMB = (): number => Math.round(Math.max(peak, process.memoryUsage().rss) / 1_048_576);
  return {
    peakMB,
    stop() {
      clearInterval(timer);
      return peakMB();
    },
  };
}

/** Lifetime peak RSS of this process (MB), from the kernel. */
export function lifetimeMaxRssMB(): number {
  // resourceUsage().maxRSS is in kilobytes.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
