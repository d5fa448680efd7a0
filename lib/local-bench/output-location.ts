/**
 * Where a run's results go, checked before anything is measured, and how they get there whole or not
 * at all. The run writes into a staging directory beside --out (`.NAME.partial-<pid>`, same file
 * system, so the final rename is atomic); at the end every file and directory is fsynced, the results
 * directory is renamed to --out and the parent is fsynced. On any failure the staging directory and
 * every directory the run created are removed: no --out, no staging.
 */
import { constants as fsConstants, promises as fs, readFileSync, rmdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

/** Bytes written, synced and removed up front to prove the location takes files. */
export const PROBE_BYTES = 64 * 1024;

/**
 * File systems that are not storage (statfs f_type values, from Linux's include/uapi/linux/magic.h):
 * writing results there fails late or does something else entirely.
 */
const PSEUDO_FILE_SYSTEMS: Readonly<Record<number, string>> = Object.freeze({
  0x9fa0: 'procfs',
  0x62656572: 'sysfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0x1cd1: 'devpts',
  0x62656570: 'configfs',
  0xcafe4a11: 'bpf',
  0x6165676c: 'pstore',
});

export class OutputLocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputLocationError';
  }
}

export interface OutputPlan {
  /** The final results directory (absolute). */
  outDir: string;
  /** Where the run writes until it has ended: `<parent>/.<name>.partial-<pid>`. */
  staging: string;
  /** Ancestors of --out this run created, deepest first; removed again when no results are kept. */
  createdDirs: string[];
}

export function stagingPathFor(outDir: string, pid = process.pid): string {
  return path.join(path.dirname(outDir), `.${path.basename(outDir)}.partial-${pid}`);
}

/** The staging directory name's pattern; group 1 is the pid of the run that made it. */
export const STAGING_NAME = /^\..+\.partial-(\d+)$/;

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException)?.code;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (error) {
    if (code(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Mount points from /proc/self/mountinfo (field 5, with the kernel's octal escapes undone). */
export function mountPoints(): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  } catch {
    return [];
  }
}

/** The mount point a path lives under: the longest mount point that is a prefix of it. */
export function mountPointOf(p: string, mounts: readonly string[] = mountPoints()): string {
  let best = '/';
  for (const m of mounts) {
    if ((p === m || p.startsWith(m.endsWith('/') ? m : `${m}/`)) && m.length > best.length) best = m;
  }
  return best;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Free bytes for an unprivileged writer and the file system's kind, or undefined where statfs fails. */
export async function spaceAt(dir: string): Promise<{ free: number; type: string } | undefined> {
  try {
    const s = await fs.statfs(dir);
    return { free: s.bavail * s.bsize, type: PSEUDO_FILE_SYSTEMS[s.type] ?? `0x${s.type.toString(16)}` };
  } catch {
    return undefined;
  }
}

/** The nearest ancestor of `p` (or `p` itself) that exists. */
async function nearestExisting(p: string): Promise<string> {
  let dir = p;
  while (!(await exists(dir))) {
    const parent = path.dirname(dir);
    if (parent === dir) return dir;
    dir = parent;
  }
  return dir;
}

/** Creates the missing ancestors one level at a time (never a recursive mkdir that can spin on procfs). */
async function createAncestors(from: string, to: string, created: string[]): Promise<void> {
  const missing: string[] = [];
  for (let dir = to; dir !== from; dir = path.dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    await fs.mkdir(dir);
    created.unshift(dir);
  }
}

async function writeProbe(dir: string): Promise<void> {
  const file = path.join(dir, '.probe');
  const handle = await fs.open(file, 'wx', 0o600);
  try {
    await handle.writeFile(Buffer.alloc(PROBE_BYTES));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.unlink(file);
}

/**
 * Checks --out before anything is measured and creates the staging directory beside it. Refuses a
 * directory that holds files, a mount point (the final rename would fail with EBUSY), anything under
 * procfs, sysfs or another pseudo file system, a read-only location, and one without room for a
 * small probe written and synced there.
 */
export async function prepareOutputLocation(outDirArg: string, pid = process.pid): Promise<OutputPlan> {
  const outDir = path.resolve(outDirArg);
  const where = `--out ${outDirArg}`;
  const anchor = await nearestExisting(outDir);
  const space = await spaceAt(anchor);
  if (space && Object.values(PSEUDO_FILE_SYSTEMS).includes(space.type)) {
    throw new OutputLocationError(`${where} is on ${space.type} (${anchor}), which does not store files; choose a directory on a disk`);
  }
  if (anchor === outDir) {
    const st = await fs.stat(outDir);
    if (!st.isDirectory()) throw new OutputLocationError(`${where} exists and is not a directory`);
    if ((await fs.readdir(outDir)).length > 0) {
      throw new OutputLocationError(`${where} already holds files; choose a new directory (runs never overwrite earlier results)`);
    }
    const parentStat = await fs.stat(path.dirname(outDir));
    if (parentStat.dev !== st.dev || mountPoints().includes(outDir)) {
      throw new OutputLocationError(`${where} is a mount point; the results are renamed into place when the run ends, which a mount point refuses (EBUSY): choose a directory inside it`);
    }
  } else {
    const st = await fs.stat(anchor);
    if (!st.isDirectory()) throw new OutputLocationError(`${where}: ${anchor} is not a directory`);
  }
  try {
    await fs.access(anchor, fsConstants.W_OK);
  } catch (error) {
    throw new OutputLocationError(`${where}: ${anchor} is not writable (${code(error) ?? (error as Error).message}${code(error) === 'EROFS' ? ': a read-only file system' : ''})`);
  }
  if (space && space.free < PROBE_BYTES) {
    throw new OutputLocationError(`${where}: the file system at ${mountPointOf(anchor)} has ${formatBytes(space.free)} free, less than the ${formatBytes(PROBE_BYTES)} probe`);
  }
  const plan: OutputPlan = { outDir, staging: stagingPathFor(outDir, pid), createdDirs: [] };
  try {
    await createAncestors(anchor, path.dirname(outDir), plan.createdDirs);
    await fs.mkdir(plan.staging);
    await writeProbe(plan.staging);
  } catch (error) {
    await discardOutput(plan);
    const free = await spaceAt(anchor);
    throw new OutputLocationError(
      `${where}: cannot write there (${(error as Error).message}); the file system at ${mountPointOf(anchor)} has ` +
        `${free ? formatBytes(free.free) : 'an unknown amount'} free, the probe needed ${formatBytes(PROBE_BYTES)}`,
    );
  }
  return plan;
}

/** Removes the staging directory and the ancestors this run created (when empty). Never throws. */
export async function discardOutput(plan: OutputPlan): Promise<void> {
  await fs.rm(plan.staging, { recursive: true, force: true }).catch(() => undefined);
  for (const dir of plan.createdDirs) await fs.rmdir(dir).catch(() => undefined);
}

/** The same, synchronously, for a forced exit. */
export function discardOutputSync(plan: OutputPlan): void {
  try {
    rmSync(plan.staging, { recursive: true, force: true });
  } catch {
    // forcing
  }
  for (const dir of plan.createdDirs) {
    try {
      rmdirSync(dir);
    } catch {
      // not empty or gone
    }
  }
}

async function syncPath(p: string): Promise<void> {
  const handle = await fs.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsyncs every file and directory under `dir`, and `dir` itself. */
export async function syncTree(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await syncTree(p);
    else await syncPath(p);
  }
  await syncPath(dir);
}

/**
 * Moves a finished results directory (inside the staging directory) to --out: everything synced first,
 * then one rename, then the parent synced so the new name survives a crash. Then the staging is removed.
 */
export async function commitOutput(resultsDir: string, plan: OutputPlan): Promise<void> {
  await syncTree(resultsDir);
  await fs.rename(resultsDir, plan.outDir);
  await syncPath(path.dirname(plan.outDir));
  await fs.rm(plan.staging, { recursive: true, force: true });
}

/** A one-line account of a failed write: what, where, the file system's free space and what was needed. */
export async function describeWriteFailure(failure: { path: string; bytes?: number; code?: string; message: string }): Promise<string> {
  const dir = await nearestExisting(path.dirname(failure.path));
  const space = await spaceAt(dir);
  const needed = failure.bytes !== undefined ? `, the write needed ${formatBytes(failure.bytes)}` : '';
  const free = space ? `; the file system at ${mountPointOf(dir)} has ${formatBytes(space.free)} free${needed}` : needed;
  return `writing ${failure.path} failed: ${failure.code ?? failure.message}${failure.code ? ` (${failure.message})` : ''}${free}`;
}
