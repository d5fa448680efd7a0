import type { BenchmarkConfig, TargetSpec } from '../benchmark/types';

/**
 * The inputs and outputs of the state machine's Task states. The state machine construct builds its
 * Parameters to match these, the handlers check them, and the local runner passes them through
 * unchanged: one contract for the cloud and the local run.
 */

/** What every per-target Task receives: small, the records themselves live in the run store. */
export interface TargetTaskInput {
  run: string;
  target: TargetSpec;
  config: BenchmarkConfig;
}

export interface PrepareInput {
  executionName: string;
  /** $$.Execution.StartTime, ISO 8601. */
  startTime: string;
  /** The execution's input. */
  input: unknown;
  /**
   * JSON text of the deployment's benchmark settings (a BenchmarkConfigInput), written into the
   * state machine definition by the stack: the payload can be 32 KB, more than Lambda's 4 KB of
   * environment variables. Text, not an object, so that no key of the payload is read as a path.
   */
  defaultConfig?: string;
  /** $$.StateMachine.Id and $$.Execution.Id: Prepare refuses to start while another run is going. */
  stateMachineArn?: string;
  executionArn?: string;
}

export interface PrepareOutput {
  run: string;
  config: BenchmarkConfig;
  targets: TargetSpec[];
}

export interface ForceColdStartInput extends TargetTaskInput {
  /**
   * 1-based number of the first cold invocation this forced cold start serves; with a target's
   * coldStartConcurrency C it serves index .. index + C - 1 (not beyond config.coldStarts).
   */
  index: number;
}

export interface ForceColdStartOutput {
  marker: string;
  updateWaitMs: number;
}

export interface InvokeColdInput extends TargetTaskInput {
  index: number;
  forced: ForceColdStartOutput;
}

export interface InvokeOutput {
  invocations: number;
  apiErrors: number;
  functionErrors: number;
}

export type InvokeWarmInput = TargetTaskInput;

export interface CollectReportsInput extends TargetTaskInput {
  /** After the retries ran out: record what is still missing instead of failing. */
  final: boolean;
}

export interface CollectReportsOutput {
  found: number;
  missing: number;
}

/** What a Catch puts at its ResultPath. */
export interface CaughtError {
  Error: string;
  Cause?: string;
}

export interface RecordTargetErrorInput extends TargetTaskInput {
  error: CaughtError;
}

export interface AggregateInput {
  run: string;
}

export interface RatioSummary {
  value: number | null;
  ci95: [number, number] | null;
}

/** The execution's output: where the results are and the headline numbers. */
export interface AggregateOutput {
  run: string;
  resultsPrefix: string;
  ratios: {
    numerator: string;
    denominator: string;
    coldStartInitP50: RatioSummary;
    warmDurationP50: RatioSummary;
    maxMemory: RatioSummary;
    packageSize: RatioSummary;
  } | null;
  /** Failed invocations per target. */
  errors: { [target: string]: number };
  /** Run errors per target (what stopped a target early). */
  runErrors: { [target: string]: number };
}

export interface RecordFailureInput {
  executionName: string;
  /** The top-level state whose Catch fired. */
  failedState: string;
  error: CaughtError;
}

export interface RecordFailureOutput {
  failureKey: string;
}

/** A handler's input did not have the shape the state machine sends. */
export class TaskInputError extends Error {
  constructor(task: string, problem: string) {
    super(`${task}: ${problem}`);
    this.name = 'TaskInputError';
  }
}
