import { InvokeCommand, LambdaServiceException, type LambdaClient } from '@aws-sdk/client-lambda';
import type { InvocationRecord, JsonValue, Phase } from './types';

/**
 * One synchronous Invoke, timed from the client.
 *
 * Retries: throttling (429 TooManyRequestsException) and 5xx answers are retried by the SDK's
 * standard retry strategy as configured on the client (see clients.ts: `retryMode: 'standard'`,
 * `maxAttempts`); exponential back-off with full jitter. So the round trip reported is that of the
 * attempt that produced the answer, timed per attempt by a middleware inside the retry loop; the
 * number of attempts and the total back-off wait are recorded beside it rather than mixed into it.
 */

/** Minimal client surface, so tests and the state machine handlers can pass any configured LambdaClient. */
export type LambdaLike = Pick<LambdaClient, 'send'>;

export class InvokeProtocolError extends Error {
  constructor(functionName: string, problem: string) {
    super(`Invoke ${functionName}: ${problem}`);
    this.name = 'InvokeProtocolError';
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function parsePayload(bytes: Uint8Array | undefined): JsonValue | undefined {
  if (!bytes || bytes.length === 0) {
    return undefined;
  }
  const text = decoder.decode(bytes);
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    // Not JSON: keep the text, clipped, so the report can show what came back.
    return text.length > 1000 ? `${text.slice(0, 1000)}...` : text;
  }
}

function errorFields(payload: JsonValue | undefined): { errorType?: string; errorMessage?: string } {
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    const out: { errorType?: string; errorMessage?: string } = {};
    if (typeof payload.errorType === 'string') out.errorType = payload.errorType;
    if (typeof payload.errorMessage === 'string') out.errorMessage = payload.errorMessage;
    return out;
  }
  if (typeof payload === 'string') {
    return { errorMessage: payload };
  }
  return {};
}

/** Times each HTTP attempt (request sent to response deserialized); the last one wins. */
function attachAttemptTimer(command: InvokeCommand): { lastAttemptMs: () => number | undefined } {
  let last: number | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const t0 = process.hrtime.bigint();
      try {
        return await next(args);
      } finally {
        last = Number(process.hrtime.bigint() - t0) / 1e6;
      }
    },
    // The deserialize step runs inside the retry middleware (finalizeRequest), once per attempt;
    // high priority puts the timer outside the deserializer, so reading the body is included.
    { step: 'deserialize', priority: 'high', name: 'benchmarkAttemptTimer' },
  );
  return { lastAttemptMs: () => last };
}

export async function invokeOnce(
  lambda: LambdaLike,
  functionName: string,
  payload: JsonValue,
  phase: Phase,
): Promise<InvocationRecord> {
  const command = new InvokeCommand({
    FunctionName: functionName,
    InvocationType: 'RequestResponse',
    Payload: new TextEncoder().encode(JSON.stringify(payload)),
  });
  const timer = attachAttemptTimer(command);
  const startedAt = Date.now();
  const t0 = process.hrtime.bigint();
  try {
    const out = await lambda.send(command);
    const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const requestId = out.$metadata.requestId;
    if (!requestId) {
      throw new InvokeProtocolError(functionName, 'the answer carried no x-amzn-RequestId header, so its REPORT line cannot be found');
    }
    const parsed = parsePayload(out.Payload);
    const record: InvocationRecord = {
      requestId,
      phase,
      startedAt,
      roundTripMs: round3(timer.lastAttemptMs() ?? totalMs),
      attempts: out.$metadata.attempts ?? 1,
      retryDelayMs: out.$metadata.totalRetryDelay ?? 0,
      statusCode: out.StatusCode ?? out.$metadata.httpStatusCode ?? 0,
    };
    if (out.FunctionError) {
      record.functionError = out.FunctionError;
      Object.assign(record, errorFields(parsed));
    } else if (parsed !== undefined) {
      record.response = parsed;
    }
    return record;
  } catch (err) {
    // A service error answer (throttled beyond all retries, 5xx, function not found...) is a
    // measurement outcome: record it. Anything else (network down, abort, credentials) stops the run.
    if (isServiceError(err)) {
      const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
      return {
        requestId: err.$metadata.requestId ?? '',
        phase,
        startedAt,
        roundTripMs: round3(timer.lastAttemptMs() ?? totalMs),
        attempts: err.$metadata.attempts ?? 1,
        retryDelayMs: err.$metadata.totalRetryDelay ?? 0,
        statusCode: err.$metadata.httpStatusCode ?? 0,
        apiError: true,
        errorType: err.name,
        errorMessage: err.message,
      };
    }
    throw err;
  }
}

/**
 * An error answer from the service (it has a fault class and an HTTP status), as opposed to no
 * answer at all. The duck-typed half covers a client from another copy of the SDK (bundles).
 */
function isServiceError(err: unknown): err is LambdaServiceException {
  if (err instanceof LambdaServiceException) return true;
  const e = err as { $fault?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return typeof e?.$fault === 'string' && typeof e.$metadata?.httpStatusCode === 'number';
}

/** Microsecond resolution is what hrtime honestly gives through an HTTP stack; keeps JSON short. */
function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
