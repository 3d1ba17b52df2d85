import { cpus, loadavg, totalmem } from 'node:os';

/** What the figures were measured on: they mean little without it. */
export function machine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    /** 1, 5 and 15-minute load averages: the machine may be shared. */
    load: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
