/**
 * One shutdown path for `npm run bench`. The first SIGINT, SIGTERM or SIGHUP aborts `signal`: every
 * phase of the run watches it, stops starting work, and unwinds through its own `finally` (processes
 * waited for, cgroups and staging directories removed); the caller then exits with `exitCode()`.
 * A second signal forces: the registered `onForce` hooks run (they must be synchronous: kill what is
 * left, remove what can be removed at once) and the process exits at once with the same code.
 */

/** The exit status a shell gives a process ended by the signal: 128 + its number. */
export const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = Object.freeze({ SIGHUP: 129, SIGINT: 130, SIGTERM: 143 });

export type ShutdownSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const HANDLED: ShutdownSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface ShutdownOptions {
  /** Where the one-line notices go; stderr by default. */
  notify?: (line: string) => void;
  /** Ends the process when a second signal forces; process.exit by default. */
  exit?: (code: number) => void;
  /** A repeat of the first signal that may have arrived within this many ms is the same event (see receive()). Default 500. */
  duplicateWindowMs?: number;
  /** How often the event loop's turns are noted after the first signal, ms (see receive()). Default 20. */
  heartbeatMs?: number;
  now?: () => number;
}

export class Shutdown {
  private readonly controller = new AbortController();
  private first: ShutdownSignal | undefined;
  private readonly forceHooks = new Set<() => void>();
  private readonly handler = (signal: NodeJS.Signals) => this.receive(signal as ShutdownSignal);
  private readonly notify: (line: string) => void;
  private readonly exit: (code: number) => void;
  private readonly duplicateWindowMs: number;
  private readonly now: () => number;
  private firstAt = 0;
  /** The last two free turns of the event loop noted since the first signal (see receive()). */
  private lastTurnAt = 0;
  private previousTurnAt = 0;
  private readonly heartbeatMs: number;

  constructor(options: ShutdownOptions = {}) {
    this.notify = options.notify ?? ((line) => process.stderr.write(`${line}\n`));
    this.exit = options.exit ?? ((code) => process.exit(code));
    this.duplicateWindowMs = options.duplicateWindowMs ?? 500;
    this.now = options.now ?? Date.now;
    this.heartbeatMs = options.heartbeatMs ?? 20;
  }

  /** Aborted when the first signal arrives; its reason is the signal's name. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The signal that started the shutdown, if any. */
  get received(): ShutdownSignal | undefined {
    return this.first;
  }

  install(): this {
    for (const s of HANDLED) process.on(s, this.handler);
    return this;
  }

  uninstall(): void {
    for (const s of HANDLED) process.off(s, this.handler);
  }

  /** A synchronous last resort run when a second signal forces the exit; returns its removal. */
  onForce(hook: () => void): () => void {
    this.forceHooks.add(hook);
    return () => this.forceHooks.delete(hook);
  }

  /** 130 after SIGINT, 143 after SIGTERM, 129 after SIGHUP; `otherwise` when no signal came. */
  exitCode(otherwise: number): number {
    return this.first ? SIGNAL_EXIT_CODES[this.first] : otherwise;
  }

  /** Notes a free turn of the event loop (the heartbeat calls it). */
  loopTurned(): void {
    this.previousTurnAt = this.lastTurnAt;
    this.lastTurnAt = this.now();
  }

  /**
   * Ctrl-C reaches every process of the terminal's foreground group, npm included, and npm forwards
   * the SIGINT it got to its script: the bench receives the same signal twice within milliseconds. A
   * repeat of the first signal that close is that one keystroke, not a second request to force.
   *
   * "That close" is judged by when the repeat may have arrived, not by when it is handled: if the event
   * loop was busy after the first signal (a synchronous step of the run, 0.8-0.9 s in a measured case),
   * npm's copy waits in the queue and is handled late. A heartbeat notes the free turns of the loop from
   * the first signal on. The loop runs timers before it reads signals, so the beat just before a late
   * signal may itself come right after the busy stretch; the signal may have arrived any time after the
   * beat before that one. It is the same keystroke when that beat lies within the window.
   */
  receive(signal: ShutdownSignal): void {
    if (!this.first) {
      this.first = signal;
      this.firstAt = this.now();
      this.lastTurnAt = this.firstAt;
      this.previousTurnAt = this.firstAt;
      setInterval(() => this.loopTurned(), this.heartbeatMs).unref();
      this.notify(`\n${signal}: stopping the run, waiting for every process it started and removing what it made (${signal === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to force)`);
      this.controller.abort(signal);
      return;
    }
    if (signal === this.first && this.previousTurnAt - this.firstAt < this.duplicateWindowMs) return;
    this.notify(`${signal} again: forcing the exit`);
    for (const hook of this.forceHooks) {
      try {
        hook();
      } catch {
        // forcing: every hook gets its chance
      }
    }
    this.exit(SIGNAL_EXIT_CODES[this.first]);
  }
}

/** An AbortSignal's abort as a rejection-free promise, for racing against work. */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

// Defined below the bench (lib/process), where the helper processes that throw it live too.
export { RunInterrupted, throwIfInterrupted } from '../process/interrupted';
