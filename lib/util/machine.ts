/**
 * What a run or a calibration records of the machine, read the same way by both (the report sets them
 * side by side, lib/benchmark/predicted-aws.ts): the CPU model and the 1-minute load average. Kept below
 * both the bench and the calibration, which now measures within a bench run.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';

/** The CPU's model name from /proc/cpuinfo (what os.cpus() says where there is none). */
export function cpuModel(cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : ''): string {
  const line = cpuinfo.split('\n').find((l) => l.startsWith('model name'));
  return line ? line.split(':').slice(1).join(':').trim() : os.cpus()[0]?.model ?? 'unknown';
}

/** The 1-minute load average, to 2 decimals. */
export function loadAverage1m(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}
