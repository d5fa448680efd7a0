import {
  GetFunctionConfigurationCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdated,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';

/**
 * Forces the next invocation of a function into a new execution environment.
 *
 * Any change to a function's configuration retires its existing execution environments; the next
 * invocation initialises a fresh one and its REPORT line carries an Init Duration. Changing an
 * environment variable is the least intrusive change (aws-lambda-power-tuning and lambda-perf do the
 * same with an env var or the description). The marker variable stays on the function afterwards:
 * removing it would be one more configuration update for nothing.
 */
export const COLD_START_MARKER_VARIABLE = 'BENCH_COLD_START_MARKER';

export interface ForceColdStartOptions {
  /** Bound on waiting for the update (LastUpdateStatus: Successful), seconds. Default 120. */
  maxWaitSeconds?: number;
  /** First poll delay of the waiter, seconds (fractions allowed). Default 1, Lambda's own waiter default. */
  minDelaySeconds?: number;
  abortSignal?: AbortSignal;
}

export interface ColdStartForced {
  functionName: string;
  marker: string;
  /** The marker value before this update (absent on a function's first forced cold start). */
  previousMarker?: string;
  /** Wall time from UpdateFunctionConfiguration sent until the update was seen done, ms. */
  updateWaitMs: number;
}

export class ColdStartError extends Error {
  constructor(functionName: string, problem: string) {
    super(`cannot force a cold start of ${functionName}: ${problem}`);
    this.name = 'ColdStartError';
  }
}

async function waitForUpdate(
  lambda: LambdaClient,
  functionName: string,
  options: Required<Pick<ForceColdStartOptions, 'maxWaitSeconds' | 'minDelaySeconds'>> & { abortSignal?: AbortSignal },
): Promise<FunctionConfiguration> {
  try {
    const result = await waitUntilFunctionUpdated(
      {
        client: lambda,
        maxWaitTime: options.maxWaitSeconds,
        minDelay: options.minDelaySeconds,
        maxDelay: Math.max(options.minDelaySeconds, 5),
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      },
      { FunctionName: functionName },
    );
    return result.reason as FunctionConfiguration;
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TimeoutError') {
      throw new ColdStartError(functionName, `the configuration update did not finish within ${options.maxWaitSeconds} s`);
    }
    if (name === 'AbortError') {
      throw err;
    }
    // The waiter reports a Failed update as a JSON dump of its state; pull out Lambda's reason.
    const message = (err as Error).message;
    let reason = message;
    try {
      const state = JSON.parse(message) as { reason?: { LastUpdateStatusReason?: string; LastUpdateStatus?: string } };
      if (state.reason?.LastUpdateStatus === 'Failed') {
        reason = `the configuration update failed: ${state.reason.LastUpdateStatusReason ?? 'no reason given'}`;
      }
    } catch {
      // not the waiter's JSON: keep the message as it is
    }
    throw new ColdStartError(functionName, reason);
  }
}

export async function forceColdStart(
  lambda: LambdaClient,
  functionName: string,
  marker: string,
  options: ForceColdStartOptions = {},
): Promise<ColdStartForced> {
  if (typeof marker !== 'string' || marker.length === 0) {
    throw new ColdStartError(functionName, 'the marker must be a non-empty string');
  }
  const waitOptions = {
    maxWaitSeconds: options.maxWaitSeconds ?? 120,
    minDelaySeconds: options.minDelaySeconds ?? 1,
    abortSignal: options.abortSignal,
  };
  let current: FunctionConfiguration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  if (current.State === 'Failed') {
    throw new ColdStartError(functionName, `the function is in state Failed: ${current.StateReason ?? 'no reason given'}`);
  }
  // Lambda rejects an update while another is in progress (ResourceConflictException): let it finish.
  if (current.LastUpdateStatus === 'InProgress') {
    current = await waitForUpdate(lambda, functionName, waitOptions);
  }
  const variables = { ...(current.Environment?.Variables ?? {}) };
  const previousMarker = variables[COLD_START_MARKER_VARIABLE];
  if (previousMarker === marker) {
    throw new ColdStartError(
      functionName,
      `${COLD_START_MARKER_VARIABLE} is already ${JSON.stringify(marker)}; an unchanged configuration would not retire the environment`,
    );
  }
  variables[COLD_START_MARKER_VARIABLE] = marker;
  const t0 = process.hrtime.bigint();
  await lambda.send(
    new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: variables } }),
  );
  const updated = await waitForUpdate(lambda, functionName, waitOptions);
  const updateWaitMs = Math.round(Number(process.hrtime.bigint() - t0) / 1e3) / 1e3;
  // Someone else updating the function at the same time would make the measurement meaningless.
  const seen = updated?.Environment?.Variables?.[COLD_START_MARKER_VARIABLE];
  if (seen !== marker) {
    throw new ColdStartError(
      functionName,
      `after the update ${COLD_START_MARKER_VARIABLE} is ${JSON.stringify(seen)}, not ${JSON.stringify(marker)}: is something else changing the function?`,
    );
  }
  const out: ColdStartForced = { functionName, marker, updateWaitMs };
  if (previousMarker !== undefined) out.previousMarker = previousMarker;
  return out;
}
