/**
 * Runs a helper command (scripts/setup.sh, a probe, the synth) as the leader of its own process group,
 * so that stopping it reaches every process it started (cargo, rustc, pip, ...), and so that "it has
 * ended" can mean "every process of its group has ended", not just the leader.
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { RunInterrupted } from './interrupted';

export interface GroupRunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  stdio?: StdioOptions;
  /** Aborting sends SIGTERM to the whole group, then SIGKILL after `graceMs`. */
  signal?: AbortSignal;
  /** Grace after SIGTERM before SIGKILL, ms. Default 2000. */
  graceMs?: number;
  /** Registers the group for a forced exit (see Shutdown.onForce); returns the unregistration. */
  onGroup?: (pgid: number) => () => void;
}

export interface GroupRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** True while any process of the group exists (kill with signal 0 only checks). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until no process of the group is left, escalating to SIGKILL after `graceMs`. */
export async function waitForGroupToEnd(pgid: number, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  let killed = false;
  while (groupAlive(pgid)) {
    if (!killed && Date.now() >= deadline) {
      signalGroup(pgid, 'SIGKILL');
      killed = true;
    }
    await sleep(20);
  }
}

/**
 * Runs `command args` in a new process group and resolves when the leader has exited and no process of
 * its group remains. Output not inherited is collected. When `signal` aborts, the group gets SIGTERM
 * (then SIGKILL) and the promise rejects with RunInterrupted once the group is gone.
 */
export function runInOwnGroup(command: string, args: readonly string[], options: GroupRunOptions = {}): Promise<GroupRunResult> {
  const { signal, graceMs = 2000 } = options;
  if (signal?.aborted) return Promise.reject(new RunInterrupted(signal.reason));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pgid = child.pid;
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const unregister = pgid !== undefined ? options.onGroup?.(pgid) : undefined;
    const onAbort = () => {
      if (pgid !== undefined) signalGroup(pgid, 'SIGTERM');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let finished = false;
    const finish = async (error: Error | null, code: number | null, sig: NodeJS.Signals | null) => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      // The leader is gone; its children may not be (a killed bash leaves cargo running).
      if (pgid !== undefined) {
        if (signal?.aborted) signalGroup(pgid, 'SIGTERM');
        await waitForGroupToEnd(pgid, signal?.aborted ? graceMs : 0);
      }
      unregister?.();
      if (signal?.aborted) reject(new RunInterrupted(signal.reason));
      else if (error) reject(error);
      else resolve({ code, signal: sig, stdout, stderr });
    };
    child.once('error', (error) => void finish(error, null, null));
    child.once('close', (code, sig) => void finish(null, code, sig));
  });
}
