import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { comparePair, observe, summarize, type InvokeOutcome, type ParityCase, type ParitySummary } from './compare';
import type { ParityPayload } from './payloads';

/** Minimal client surface: any configured LambdaClient (AWS or the local service). */
export type LambdaSender = Pick<LambdaClient, 'send'>;

export interface ParityRun {
  summary: ParitySummary;
  cases: ParityCase[];
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** One synchronous Invoke; API-level failures are returned, not thrown, so parity can report them. */
export async function invokeRaw(lambda: LambdaSender, functionName: string, event: Uint8Array): Promise<InvokeOutcome> {
  try {
    const out = await lambda.send(new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: event,
    }));
    const payload = decoder.decode(out.Payload ?? new Uint8Array(0));
    return out.FunctionError !== undefined ? { functionError: out.FunctionError, payload } : { payload };
  } catch (error) {
    const e = error as Error;
    return { apiError: e.name || 'Error', message: e.message };
  }
}

/**
 * Sends every payload to both functions and compares the answers. The two functions are invoked at the
 * same time for each payload, and payloads one after another, so each function keeps one warm execution
 * environment (no concurrency inside a function, no extra cold starts).
 */
export async function runParity(
  lambdaClient: LambdaSender,
  aprFunctionName: string,
  pytorchFunctionName: string,
  payloads: readonly ParityPayload[],
): Promise<ParityRun> {
  const cases: ParityCase[] = [];
  for (const payload of payloads) {
    const [aprOutcome, pytorchOutcome] = await Promise.all([
      invokeRaw(lambdaClient, aprFunctionName, payload.event),
      invokeRaw(lambdaClient, pytorchFunctionName, payload.event),
    ]);
    const apr = observe(aprOutcome);
    const pytorch = observe(pytorchOutcome);
    cases.push({ name: payload.name, apr, pytorch, comparison: comparePair(apr, pytorch, payload.expect) });
  }
  return { summary: summarize(cases), cases };
}
