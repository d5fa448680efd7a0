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
 *
 * Of the file-backed pages, the function's own package's (issue 17's hypothesis: a managed runtime's
 * files, its interpreter, node binary, JVM, or bash and curl on provided.al2023, are shared by every
 * function on a Lambda worker, while the package in /var/task and its layers is the function's alone, so
 * the two may cost differently). Measured at the same moment, when the function names its package paths
 * (LocalFunctionDefinition.packagePaths):
 * - `packageFileBytes`: the resident file pages of every mapping whose file lies under a package path
 *   (compared with the paths' real paths: the kernel names a mapping by its resolved path). The
 *   mappings come from /proc/<pid>/maps (cheap: no page is looked at); their pages from
 *   /proc/<pid>/pagemap, 8 bytes per page of those mappings only, counting the entries that are present
 *   (bit 63) and a file page (bit 61) (Documentation/admin-guide/mm/pagemap.rst). A private file
 *   mapping's page that the process wrote is an anonymous copy, no longer the file's, and is left out, as
 *   RssFile leaves it. Where pagemap cannot be read, Σ (Rss − Anonymous) of the same mappings in
 *   /proc/<pid>/smaps gives the same count, slower: smaps walks the page tables of every mapping
 *   (measured: about 20 ms for a JVM's 180 mappings, 100 ms for PyTorch's 1,700, on a loaded 2-CPU
 *   machine), pagemap only the package's.
 *   A package path "/" (an image: every file is the function's) takes RssFile itself, read anyway.
 *   RssFile also counts the vDSO's page (4 kB, no file): it stays the runtime's. A package on tmpfs
 *   would count here but not in RssFile, which leaves shared memory out: keep packages on a disk.
 * - Bytes read through read(2) cannot be attributed to a path from /proc (rchar is one counter per
 *   process, and the files are closed by then): they all count as the runtime's. That misattributes
 *   whatever a package brings in by reading rather than mapping: a Python package's .py and .pyc files,
 *   a Node.js handler's .js/.mjs, a Java function's classes and JARs (the JDK reads ZIP entries since
 *   JDK 9) and data files read whole. Mapped parts, native libraries (numpy's and onnxruntime's .so
 *   files), a static bootstrap binary with what it embeds, count as the package's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface InitFootprint {
  /** Σ RssFile at the first GET /next, bytes. */
  fileBackedBytes: number;
  /** Σ rchar at the first GET /next, bytes. */
  readBytes: number;
  /**
   * Of `fileBackedBytes`, those of mappings of files under the function's package paths, bytes; absent
   * when the function names no package paths. Read(2) bytes are never the package's (see above).
   */
  packageFileBytes?: number;
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

/**
 * The package paths as the kernel names mapped files: each resolved to its real path (a path that does
 * not exist stays as given, resolved), without a trailing slash except for the root.
 */
export function packageRoots(packagePaths: readonly string[]): string[] {
  return packagePaths.map((p) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  });
}

/** Whether a mapped file's path lies under one of the (real) package roots. */
export function isUnderPackage(file: string, roots: readonly string[]): boolean {
  return roots.some((root) => file === root || file.startsWith(root === '/' ? '/' : root + '/'));
}

/**
 * The file a maps/smaps header line maps, or undefined for an anonymous one or a pseudo-file such as
 * [heap] or [vdso]. Fields: address perms offset dev inode pathname; the pathname may hold spaces, and
 * the kernel appends " (deleted)" to a file removed since it was mapped.
 */
function mappedFile(line: string): string | undefined {
  const match = /^[0-9a-f]+-[0-9a-f]+ \S+ [0-9a-f]+ \S+ \d+ +(\/.*)$/.exec(line);
  if (!match) return undefined;
  return match[1].endsWith(' (deleted)') ? match[1].slice(0, -' (deleted)'.length) : match[1];
}

/** Σ (Rss − Anonymous) of the mappings of files under the roots, in a /proc/<pid>/smaps text, bytes (where pagemap cannot be read). */
export function packageBytesOfSmaps(smaps: string, roots: readonly string[]): number {
  let kB = 0;
  let counting = false;
  let rss = 0;
  for (const line of smaps.split('\n')) {
    // A header line starts with the address range; the fields below it are "Name:   value kB".
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) {
      const file = mappedFile(line);
      counting = file !== undefined && isUnderPackage(file, roots);
      continue;
    }
    if (!counting) continue;
    if (line.startsWith('Rss:')) rss = Number(/(\d+) kB/.exec(line)?.[1] ?? 0);
    else if (line.startsWith('Anonymous:')) {
      kB += Math.max(0, rss - Number(/(\d+) kB/.exec(line)?.[1] ?? 0));
      counting = false;
    }
  }
  return kB * 1024;
}

/** Start and end addresses of the mappings, in a /proc/<pid>/maps text, of files under the roots. */
export function packageMappings(maps: string, roots: readonly string[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const line of maps.split('\n')) {
    const file = mappedFile(line);
    if (file === undefined || !isUnderPackage(file, roots)) continue;
    const dash = line.indexOf('-');
    // User-space addresses lie below 2^47 (x86_64, arm64 with 48-bit VAs): exact as numbers.
    out.push({ start: parseInt(line.slice(0, dash), 16), end: parseInt(line.slice(dash + 1, line.indexOf(' ')), 16) });
  }
  return out;
}

let cachedPageSize: number | undefined;

/** The kernel's page size, from this process's auxiliary vector (AT_PAGESZ); 4096 if it cannot be read. */
export function pageSize(): number {
  if (cachedPageSize === undefined) {
    cachedPageSize = 4096;
    try {
      const auxv = fs.readFileSync('/proc/self/auxv');
      for (let i = 0; i + 16 <= auxv.length; i += 16) {
        if (auxv.readBigUInt64LE(i) === 6n) cachedPageSize = Number(auxv.readBigUInt64LE(i + 8));
      }
    } catch {
      // keep 4096
    }
  }
  return cachedPageSize;
}

/** Pagemap entry bits, high 32-bit word: 63 present, 61 file page or shared anonymous. */
const PRESENT_FILE_PAGE = 0xa0000000;
/** At most this many pages' entries per read (1 MiB). */
const PAGEMAP_CHUNK_PAGES = 131072;

/** Resident file pages of the given mappings of a process, bytes, from /proc/<pid>/pagemap; undefined when it cannot be read. */
export function residentFileBytes(pid: number, mappings: readonly { start: number; end: number }[]): number | undefined {
  const page = pageSize();
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${pid}/pagemap`, 'r');
  } catch {
    return undefined;
  }
  try {
    let pages = 0;
    const buffer = Buffer.alloc(Math.min(PAGEMAP_CHUNK_PAGES, Math.max(1, ...mappings.map((m) => (m.end - m.start) / page))) * 8);
    for (const m of mappings) {
      for (let first = m.start / page; first < m.end / page; first += PAGEMAP_CHUNK_PAGES) {
        const count = Math.min(PAGEMAP_CHUNK_PAGES, m.end / page - first);
        const got = fs.readSync(fd, buffer, 0, count * 8, first * 8);
        for (let off = 4; off < got; off += 8) if ((buffer.readUInt32LE(off) & PRESENT_FILE_PAGE) >>> 0 === PRESENT_FILE_PAGE) pages++;
      }
    }
    return pages * page;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * File-backed resident bytes of one process under the package roots; undefined when /proc could not be
 * read. `rssFileBytes` is the process's RssFile, which a root "/" takes whole.
 */
function packageFileBytesOf(pid: number, roots: readonly string[], rssFileBytes: number): number | undefined {
  if (roots.length === 0) return 0;
  if (roots.includes('/')) return rssFileBytes;
  const maps = readProc(`/proc/${pid}/maps`);
  if (maps === undefined) return undefined;
  const mappings = packageMappings(maps, roots);
  if (mappings.length === 0) return 0;
  const fromPagemap = residentFileBytes(pid, mappings);
  if (fromPagemap !== undefined) return fromPagemap;
  const smaps = readProc(`/proc/${pid}/smaps`);
  return smaps === undefined ? undefined : packageBytesOfSmaps(smaps, roots);
}

/**
 * Footprint of the given processes; one that exited meanwhile is left out. Undefined when none could be
 * read. With package roots (packageRoots() of the function's package paths), also the package's share.
 */
export function sampleInitFootprint(pids: readonly number[], roots?: readonly string[]): InitFootprint | undefined {
  let fileBackedBytes = 0;
  let readBytes = 0;
  let packageFileBytes = 0;
  let processes = 0;
  for (const pid of new Set(pids)) {
    const status = readProc(`/proc/${pid}/status`);
    const io = readProc(`/proc/${pid}/io`);
    const rss = status === undefined ? null : RSS_FILE.exec(status);
    const rchar = io === undefined ? null : RCHAR.exec(io);
    if (!rss || !rchar) continue;
    const rssFileBytes = Number(rss[1]) * 1024;
    const ownBytes = roots === undefined ? 0 : packageFileBytesOf(pid, roots, rssFileBytes);
    if (ownBytes === undefined) continue;
    fileBackedBytes += rssFileBytes;
    readBytes += Number(rchar[1]);
    packageFileBytes += ownBytes;
    processes++;
  }
  if (processes === 0) return undefined;
  return roots === undefined ? { fileBackedBytes, readBytes, processes } : { fileBackedBytes, readBytes, packageFileBytes, processes };
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

/** Of initFileMB, the function's own package's: its mapped files' resident pages, MB; undefined when not measured. */
export function initPackageFileMB(f: Pick<InitFootprint, 'packageFileBytes'>): number | undefined {
  return f.packageFileBytes === undefined ? undefined : f.packageFileBytes / 1048576;
}

/**
 * Of initFileMB, the rest (the managed runtime's files, and every byte read through read(2)), MB:
 * initFileMB − initPackageFileMB; undefined when the package's share was not measured.
 */
export function initRuntimeFileMB(f: InitFootprint): number | undefined {
  const own = initPackageFileMB(f);
  return own === undefined ? undefined : initFileMB(f) - own;
}

/** Each cold start's package file MB by request id, to 0.001 MB; cold starts of a function without package paths are left out. */
export function initPackageFileMBByRequest(footprints: ReadonlyMap<string, InitFootprint>): { [requestId: string]: number } {
  const out: { [requestId: string]: number } = {};
  for (const [requestId, f] of footprints) {
    const mb = initPackageFileMB(f);
    if (mb !== undefined) out[requestId] = Math.round(mb * 1000) / 1000;
  }
  return out;
}
