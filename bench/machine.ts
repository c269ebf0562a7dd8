// The machine a result was measured on: cores, memory, CPU model, Node and OS versions.
import { cpus, totalmem, freemem, platform, release, loadavg } from 'node:os';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryMB: number;
  freeMemoryMB: number;
  loadAverage1m: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryMB: Math.round(totalmem() / 1_048_576),
    freeMemoryMB: Math.round(freemem() / 1_048_576),
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    node: process.version,
    platform: `${platform()} ${release()}`,
  };
}
