/**
 * Peak resident memory of an environment's process tree, for the REPORT line's Max Memory Used.
 *
 * Method: the sum of VmHWM (the kernel's per-process high-water mark of resident memory) over the processes
 * of the environment. VmHWM counts anonymous memory and the file-backed pages a process has mapped (its
 * binary, shared libraries), but not page cache it merely read. It is exact for one process and needs no
 * sampling; for several processes the sum of peaks is an upper bound of their joint peak. A child that has
 * already exited is no longer counted.
 *
 * The processes are those of the environment's cgroup when limits apply, else the runtime and its
 * descendants found through /proc/<pid>/task/<pid>/children (children of the main thread).
 *
 * Sampling runs after every invocation, so the files of the runtime process itself stay open and are
 * re-read in place (pread at offset 0 regenerates /proc files) instead of being opened each time.
 */
import * as fs from 'node:fs';

const VMHWM = /^VmHWM:\s+(\d+) kB$/m;

/** A /proc or cgroup file kept open and re-read from the start. */
class RereadableFile {
  private fd: number | null = null;
  private buffer = Buffer.alloc(4096);

  constructor(private readonly path: string) {}

  read(): string | undefined {
    try {
      this.fd ??= fs.openSync(this.path, 'r');
      for (;;) {
        const n = fs.readSync(this.fd, this.buffer, 0, this.buffer.length, 0);
        if (n < this.buffer.length) return this.buffer.toString('latin1', 0, n);
        this.buffer = Buffer.alloc(this.buffer.length * 2);
      }
    } catch {
      this.close();
      return undefined;
    }
  }

  close(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
  }
}

export function vmHwmBytes(pid: number): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  return parseVmHwm(text);
}

function parseVmHwm(text: string | undefined): number | undefined {
  const m = text === undefined ? null : VMHWM.exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

function parsePids(text: string | undefined, separator: RegExp): number[] {
  if (text === undefined) return [];
  return text
    .split(separator)
    .filter((s) => s !== '')
    .map(Number);
}

/** Samples one environment's peak resident memory; see the module comment for the method. */
export class ProcessTreeMemory {
  private readonly status: RereadableFile;
  private readonly children: RereadableFile;
  private readonly cgroupProcs: RereadableFile | null;

  constructor(
    private readonly pid: number,
    cgroupProcsFile?: string,
  ) {
    this.status = new RereadableFile(`/proc/${pid}/status`);
    this.children = new RereadableFile(`/proc/${pid}/task/${pid}/children`);
    this.cgroupProcs = cgroupProcsFile ? new RereadableFile(cgroupProcsFile) : null;
  }

  /** Sum of VmHWM over the tree, or undefined once the runtime process is gone. */
  peakBytes(): number | undefined {
    const own = parseVmHwm(this.status.read());
    if (own === undefined) return undefined;
    let total = own;
    for (const pid of this.others()) total += vmHwmBytes(pid) ?? 0;
    return total;
  }

  /** The runtime and the other processes of the environment, now. */
  pids(): number[] {
    return [this.pid, ...this.others()];
  }

  private others(): number[] {
    if (this.cgroupProcs) return parsePids(this.cgroupProcs.read(), /\n/).filter((p) => p !== this.pid);
    const out: number[] = [];
    const queue = parsePids(this.children.read(), /\s+/);
    while (queue.length > 0 && out.length < 4096) {
      const pid = queue.shift()!;
      out.push(pid);
      try {
        queue.push(...parsePids(fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1'), /\s+/));
      } catch {
        // exited meanwhile
      }
    }
    return out;
  }

  close(): void {
    this.status.close();
    this.children.close();
    this.cgroupProcs?.close();
  }
}
