/**
 * How a phase of a run says it stopped because the run is shutting down (an AbortSignal was aborted):
 * the helper processes (process-group.ts) and every phase of `npm run bench` throw it, and the run tells
 * an interruption from a failure by it.
 */

/** Thrown by a phase that stopped because the run is shutting down. */
export class RunInterrupted extends Error {
  constructor(readonly reason: unknown = 'interrupted') {
    super(`the run was interrupted (${String(reason)})`);
    this.name = 'RunInterrupted';
  }
}

export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RunInterrupted(signal.reason);
}
