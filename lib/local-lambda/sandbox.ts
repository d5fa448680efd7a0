/**
 * The sandbox and the process of one execution environment. Lambda's sandbox exists before init is timed,
 * so a small `sh` wrapper is spawned first: it joins the environment's cgroups (when limits apply), reports
 * ready on fd 3 and blocks reading one byte from it; when the byte comes (go()) it `exec`s the runtime. The
 * runtime never runs outside its cgroup, and forking the wrapper and joining cgroups is not Init Duration.
 *
 * The wrapper leads its own process group, which the service tracks (process-reaper.ts) and kills whole.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import { killProcessGroup, trackProcessGroup, untrackProcessGroup } from './process-reaper';

/**
 * The sandbox wrapper. Arguments: N, then N cgroup.procs files to join, then the runtime command.
 * Exit 125 means the sandbox could not be prepared (the runtime never started).
 */
const SANDBOX_WRAPPER = [
  'n=$1; shift',
  'while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done',
  'echo r >&3 || exit 125',
  'read -r go <&3 || exit 125',
  'exec 3<&-',
  'exec "$@"',
].join('\n');

const SANDBOX_READY_TIMEOUT_MS = 10000;

export interface SandboxLaunch {
  command: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** The cgroup.procs files the wrapper joins before the runtime starts; none without limits. */
  procsFiles: readonly string[];
  /** Raw output, as it comes (the caller splits it into lines). */
  onStdout(chunk: Buffer): void;
  onStderr(chunk: Buffer): void;
  /** The wrapper or the runtime it became exited. */
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

export type SandboxReady = { ok: true } | { ok: false; reason: string };

/** The wrapper process, then the runtime it becomes. */
export class SandboxProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly control: Socket,
    /** Resolves when the process has exited and its output pipes are closed (or given up on). */
    readonly exited: Promise<void>,
  ) {}

  /** Spawns the wrapper; it prepares the sandbox and waits for go(). */
  static spawn(launch: SandboxLaunch): SandboxProcess {
    const child = spawn('/bin/sh', ['-c', SANDBOX_WRAPPER, 'lambda-sandbox', String(launch.procsFiles.length), ...launch.procsFiles, launch.command, ...launch.args], {
      cwd: launch.cwd,
      env: launch.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) trackProcessGroup(child.pid);
    // 'close' waits for the pipes too; a descendant that escaped the process group (setsid, no cgroup to
    // find it by) could hold them open for ever, so once the runtime has exited the pipes get a second to
    // drain and are then closed from this side. Stopping never waits on a process it cannot kill.
    const exited = new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      child.once('close', () => {
        if (timer) clearTimeout(timer);
        resolve();
      });
      child.once('exit', () => {
        timer = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          (child.stdio[3] as unknown as Socket | null)?.destroy();
        }, 1000);
      });
    });
    child.stdout?.on('data', (chunk: Buffer) => launch.onStdout(chunk));
    child.stderr?.on('data', (chunk: Buffer) => launch.onStderr(chunk));
    child.once('exit', (code, signal) => launch.onExit(code, signal));
    const control = child.stdio[3] as unknown as Socket;
    // The wrapper may die before reading the go byte; its exit is handled by onExit, not as a write error.
    control.on('error', () => undefined);
    return new SandboxProcess(child, control, exited);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves when the wrapper has joined the cgroups and waits for go(), or with why it could not. */
  untilReady(): Promise<SandboxReady> {
    return waitForReady(this.control, this.child);
  }

  /** The go byte: the wrapper execs the runtime. */
  go(): void {
    this.control.write('g\n');
    this.control.end();
  }

  /** Kills every process of the group (the runtime and what it forked without leaving the group). */
  killGroup(): void {
    if (this.child.pid !== undefined) killProcessGroup(this.child.pid);
  }

  /** The group is gone: the reaper no longer needs to know it. */
  untrack(): void {
    if (this.child.pid !== undefined) untrackProcessGroup(this.child.pid);
  }
}

/** Lambda's own checks before it starts a bootstrap: a missing working directory or entrypoint. */
export function checkEntrypoint(command: string, cwd: string): { errorType: string; message: string } | null {
  try {
    if (!fs.statSync(cwd).isDirectory()) throw new Error('not a directory');
  } catch {
    return { errorType: 'Runtime.InvalidWorkingDir', message: `The working directory ${cwd} does not exist` };
  }
  const candidates = command.includes('/')
    ? [path.resolve(cwd, command)]
    : (process.env.PATH ?? '').split(':').filter(Boolean).map((d) => path.join(d, command));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      if (fs.statSync(c).isFile()) return null;
    } catch {
      // try the next candidate
    }
  }
  return { errorType: 'Runtime.InvalidEntrypoint', message: `Couldn't find valid bootstrap(s): [${command}]` };
}

function waitForReady(control: Socket, child: ChildProcess): Promise<SandboxReady> {
  return new Promise((resolve) => {
    let stderr = '';
    const onErr = (chunk: Buffer | string) => (stderr += chunk.toString());
    child.stderr?.on('data', onErr);
    const done = (r: SandboxReady) => {
      clearTimeout(timer);
      control.removeListener('data', onData);
      child.removeListener('exit', onExit);
      child.removeListener('error', onSpawnError);
      child.stderr?.removeListener('data', onErr);
      resolve(r);
    };
    const onData = (chunk: Buffer | string) => {
      if (chunk.toString().includes('r')) done({ ok: true });
    };
    const onExit = (code: number | null) => done({ ok: false, reason: `wrapper exited with status ${code}: ${stderr.trim()}` });
    const onSpawnError = (e: Error) => done({ ok: false, reason: e.message });
    const timer = setTimeout(() => done({ ok: false, reason: `no ready signal within ${SANDBOX_READY_TIMEOUT_MS} ms` }), SANDBOX_READY_TIMEOUT_MS);
    control.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onSpawnError);
  });
}
