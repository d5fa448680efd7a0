/**
 * Peak resident memory of an environment's process tree, for the REPORT line's Max Memory Used.
 *
 * Method: the sum of VmHWM (the kernel's per-process high-water mark of resident memory) over the processes
 * of the environment. VmHWM counts anonymous memory and the file-backed pages a process has mapped (its
 * binary, shared libraries), but not page cache it merely read. It is exact for one process and needs no
 * sampling; for several processes the sum of peaks is an upper bound of their joint peak. A child that has
 * already exited is no longer counted.
 */
import * as fs from 'node:fs';

export function vmHwmBytes(pid: number): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** The process and its descendants, found through /proc/<pid>/task/<pid>/children (main threads only). */
export function descendantsOf(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length && out.length < 4096; i++) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const c of text.split(' ')) if (c.trim() !== '') out.push(Number(c));
  }
  return out;
}

export function peakResidentBytes(pids: number[]): number | undefined {
  let total = 0;
  let seen = false;
  for (const pid of pids) {
    const hwm = vmHwmBytes(pid);
    if (hwm !== undefined) {
      total += hwm;
      seen = true;
    }
  }
  return seen ? total : undefined;
}
