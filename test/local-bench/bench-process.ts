/**
 * `npm run bench` as a real process tree for the interruption and full-disk tests: started in a process
 * group of its own (so "the group" can be signalled as a terminal's Ctrl-C would), with every process
 * of the tree recorded while it runs, so that afterwards the test can say whether any of them, any
 * cgroup or any file of the run is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { synthesizeTemplateCached } from '../../lib/state-machine-local/synth-process';

export const ROOT = path.resolve(__dirname, '..', '..');
const CGROUP_ROOT = '/sys/fs/cgroup';
/** lib/local-lambda/cgroup-types.ts: a service's groups are named apr-lambda-<its pid>-<random>. */
const GROUP_PREFIX = 'apr-lambda-';

interface ProcInfo {
  pid: number;
  ppid: number;
  /** proc(5)'s state letter: R, S, D, Z (exited, not yet reaped), ... */
  state: string;
  /** The name in the stat line (the executable's, up to 15 characters). */
  name: string;
  start: string;
  cmd: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    return { pid, ppid: Number(rest[1]), state: rest[0], name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), start: rest[19], cmd };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcInfo[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is ProcInfo => p !== undefined);
}

/** Every process descending from `root` (itself included). */
export function descendantsOf(root: number): ProcInfo[] {
  const all = allProcesses();
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const queue = all.filter((p) => p.pid === root);
  while (queue.length) {
    const p = queue.pop()!;
    out.push(p);
    queue.push(...(byParent.get(p.pid) ?? []));
  }
  return out;
}

/** The process `p` as it is now, if it is still the very process (same pid and start time, not a reuse of its pid). */
function now(p: ProcInfo): ProcInfo | undefined {
  const current = readProc(p.pid);
  return current !== undefined && current.start === p.start ? current : undefined;
}

function stillRunning(p: ProcInfo): boolean {
  return now(p) !== undefined;
}

/**
 * Exited, and left for init to reap: a zombie whose parent is PID 1. Only init can reap it, and this
 * machine's PID 1 reaps orphans lazily (seconds later, or at its next child's exit); it holds no memory,
 * files or cgroup. Only where the run that started it was SIGKILLed is that a clean outcome: a run that
 * ends by itself must wait for its children, so elsewhere such a zombie still counts (it once showed a
 * forced exit that had not waited).
 */
function exitedUnderInit(p: ProcInfo): boolean {
  return p.state === 'Z' && p.ppid === 1;
}

/** cgroup directories a service in process `pid` made, in any controller (v1 hierarchies and v2). */
export function cgroupsOf(pid: number): string[] {
  if (!existsSync(CGROUP_ROOT)) return [];
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (e.name.startsWith(`${GROUP_PREFIX}${pid}-`)) found.push(p);
      else if (depth < 3) walk(p, depth + 1);
    }
  };
  walk(CGROUP_ROOT, 0);
  return found;
}

export interface BenchRun {
  npm: ChildProcess;
  /** The group npm leads (the test starts it detached). */
  pgid: number;
  stderr(): string;
  stdout(): string;
  /** Resolves when stderr matches; rejects when the run exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** The bench's own process (node running bin/bench.ts), once npm has started it. */
  benchPid(): number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Every process of the run's tree seen so far (sampled every 50 ms while it runs). */
  seen(): ProcInfo[];
}

const started: BenchRun[] = [];

/** Kills (SIGKILL) what is left of every run this file started: for afterAll, after a failed test. */
export async function killLeftoverRuns(): Promise<void> {
  for (const run of started) {
    for (const p of run.seen()) if (stillRunning(p)) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    for (const stream of [run.npm.stdout, run.npm.stderr, run.npm.stdin]) stream?.destroy();
  }
}

let template: Promise<unknown> | undefined;
/**
 * The benchmark template in the synth cache, synthesized once per test file. Concurrent tests await
 * this rather than a beforeAll (jest starts test.concurrent bodies without waiting for beforeAll).
 */
export function templateCached(): Promise<unknown> {
  template ??= synthesizeTemplateCached({ repoRoot: ROOT });
  return template;
}

export function startBench(args: string[], env: NodeJS.ProcessEnv = {}): BenchRun {
  // The committed model unless a test asks otherwise: whether the calibration functions are built here
  // (in-run calibration) must not change what these runs do or how long they take.
  const calibration = args.includes('--calibration') ? [] : ['--calibration', 'committed'];
  const npm = spawn('npm', ['run', '-s', 'bench', '--', ...args, ...calibration], {
    cwd: ROOT,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  let stdout = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  npm.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const w of [...waiters]) if (w.pattern.test(stderr)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  });
  npm.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const seen = new Map<string, ProcInfo>();
  const sample = () => {
    for (const p of descendantsOf(npm.pid!)) seen.set(`${p.pid}:${p.start}`, p);
  };
  const sampler = setInterval(sample, 50);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    npm.once('exit', (code, signal) => {
      clearInterval(sampler);
      resolve({ code, signal, at: Date.now() });
    });
  });
  const run: BenchRun = {
    npm,
    pgid: npm.pid!,
    stderr: () => stderr,
    stdout: () => stdout,
    waitFor(pattern, timeoutMs = 90_000) {
      if (pattern.test(stderr)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} on stderr within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
        waiters.push({ pattern, resolve: () => { clearTimeout(timer); resolve(); } });
        void exited.then(() => { clearTimeout(timer); if (!pattern.test(stderr)) reject(new Error(`the run exited before ${pattern}:\n${stderr}\n${stdout}`)); });
      });
    },
    benchPid() {
      sample();
      const bench = descendantsOf(npm.pid!).find((p) => /bin\/bench\.ts/.test(p.cmd) && p.pid !== npm.pid && !/^(\/bin\/)?sh /.test(p.cmd));
      if (!bench) throw new Error('the bench process was not found under npm');
      return bench.pid;
    },
    exited,
    seen: () => [...seen.values()],
  };
  started.push(run);
  return run;
}

/** What a run left: live processes of its tree, its cgroups, its files beside and at --out. */
export function leftovers(
  run: BenchRun,
  benchPid: number,
  outDir: string,
  options: { zombiesUnderInitAreGone?: boolean } = {},
): { processes: string[]; cgroups: string[]; files: string[] } {
  const parent = path.dirname(outDir);
  const left: string[] = [];
  for (const seen of run.seen()) {
    const current = now(seen);
    if (!current || (options.zombiesUnderInitAreGone && exitedUnderInit(current))) continue;
    // State and parent now, for the failure message: a zombie (Z) has exited but is not yet reaped.
    left.push(`${seen.pid} ${seen.cmd} (state ${current.state}, parent ${current.ppid}, name ${current.name}; parent when seen ${seen.ppid})`);
  }
  return {
    processes: left,
    cgroups: cgroupsOf(benchPid),
    files: existsSync(parent) ? readdirSync(parent).filter((f) => f === path.basename(outDir) || f.includes('.partial-')) : [],
  };
}
