/**
 * What an environment's processes brought in from files during INIT, read at the runtime's first
 * `GET /next`: the AWS Init Duration model's second input (lib/prediction), beside the local Init Duration.
 *
 * Why: a Node.js 22 hello world and a Python 3.12 one both initialise in about 50 ms here, yet AWS shows
 * 141 ms and 85 ms (lambda-perf); the Node.js binary touches about 40 MB of file pages to start, Python
 * about 9 MB. For container images AWS documents that a new environment fetches the blocks it reads on
 * demand, from caches on the worker, in the Availability Zone or S3 (Brooker et al., "On-demand Container Loading in AWS Lambda", USENIX ATC 2023, arXiv 2305.13162);
 * this machine has the pages in its page cache. That zip functions' runtime files cost alike is our
 * hypothesis, not AWS's statement: the calibration supports it (k > 0 in every cell, lib/prediction/fit.ts).
 *
 * Method, summed over the environment's processes (its cgroup's when limits apply, else the runtime and
 * its descendants, as process-memory.ts finds them):
 * - `RssFile` of /proc/<pid>/status: file-backed pages mapped and resident (binaries, shared libraries,
 *   mapped archives such as the JVM's class-data archive); pages of a file count whether or not the page
 *   cache already held them, so the figure does not depend on what ran before;
 * - `rchar` of /proc/<pid>/io: bytes read through read(2) and similar (Python's .pyc files, JAR entries),
 *   from the cache or not.
 * Both are exact counters of the kernel (proc(5)), cost a few reads of /proc, and are taken after the
 * init clock has stopped.
 */
import * as fs from 'node:fs';

export interface InitFootprint {
  /** Σ RssFile at the first GET /next, bytes. */
  fileBackedBytes: number;
  /** Σ rchar at the first GET /next, bytes. */
  readBytes: number;
  /** How many processes were counted. */
  processes: number;
}

const RSS_FILE = /^RssFile:\s+(\d+) kB$/m;
const RCHAR = /^rchar: (\d+)$/m;

function readProc(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}

/** Footprint of the given processes; one that exited meanwhile is left out. Undefined when none could be read. */
export function sampleInitFootprint(pids: readonly number[]): InitFootprint | undefined {
  let fileBackedBytes = 0;
  let readBytes = 0;
  let processes = 0;
  for (const pid of new Set(pids)) {
    const status = readProc(`/proc/${pid}/status`);
    const io = readProc(`/proc/${pid}/io`);
    const rss = status === undefined ? null : RSS_FILE.exec(status);
    const rchar = io === undefined ? null : RCHAR.exec(io);
    if (!rss || !rchar) continue;
    fileBackedBytes += Number(rss[1]) * 1024;
    readBytes += Number(rchar[1]);
    processes++;
  }
  return processes === 0 ? undefined : { fileBackedBytes, readBytes, processes };
}

/** The model's input: file bytes brought in during init, MB (2^20 bytes). */
export function initFileMB(f: Pick<InitFootprint, 'fileBackedBytes' | 'readBytes'>): number {
  return (f.fileBackedBytes + f.readBytes) / 1048576;
}

/** Each cold start's init file MB by request id, to 0.001 MB, as the benchmark and the calibration record it. */
export function initFileMBByRequest(footprints: ReadonlyMap<string, InitFootprint>): { [requestId: string]: number } {
  const out: { [requestId: string]: number } = {};
  for (const [requestId, f] of footprints) out[requestId] = Math.round(initFileMB(f) * 1000) / 1000;
  return out;
}
