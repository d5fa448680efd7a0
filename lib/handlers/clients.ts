import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { BuildHandler, BuildHandlerArguments, BuildMiddleware, MetadataBearer } from '@smithy/types';

const TRACE_HEADERS = ['x-amzn-trace-id', 'traceparent', 'tracestate', 'baggage'];

/**
 * Strips trace context from the Lambda client's requests. Inside a traced Task function the SDK
 * forwards the execution's X-Ray trace header to every call; Invoke would then trace the benchmarked
 * function too (tracing mode PassThrough follows a sampled caller), which is work a plain client's
 * call does not cause. The measured calls should look like any client's.
 */
export function dropTraceContext(lambda: LambdaClient): LambdaClient {
  const drop: BuildMiddleware<object, MetadataBearer> =
    (next: BuildHandler<object, MetadataBearer>) => async (args: BuildHandlerArguments<object>) => {
      const request = args.request as { headers?: Record<string, string> };
      for (const name of Object.keys(request?.headers ?? {})) {
        if (TRACE_HEADERS.includes(name.toLowerCase())) delete request.headers?.[name];
      }
      return next(args);
    };
  // Right after the SDK's own middleware that adds the headers (step "build").
  lambda.middlewareStack.addRelativeTo(drop as never, {
    relation: 'after',
    toMiddleware: 'recursionDetectionMiddleware',
    name: 'benchmarkDropTraceContext',
  });
  return lambda;
}
