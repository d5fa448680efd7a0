import { resolveConfig } from '../../lib/benchmark/config';
import type { JoinedInvocation, RawBenchmarkRun, TargetSpec } from '../../lib/benchmark/types';

/** Hand-made raw runs with known numbers, for the pure aggregation and report tests. */

export const APR_SPEC: TargetSpec = {
  key: 'apr', functionName: 'wine-apr', logGroupName: '/aws/lambda/wine-apr', runtimeLabel: 'provided.al2023',
  memorySizeMB: 128, architecture: 'x86_64', packageBytes: 1_200_000, packageLabel: 'zip',
};
export const TORCH_SPEC: TargetSpec = {
  key: 'pytorch', functionName: 'wine-pytorch', logGroupName: '/aws/lambda/wine-pytorch', runtimeLabel: 'container-image',
  memorySizeMB: 512, architecture: 'x86_64', packageBytes: 1_500_000_000, packageLabel: 'container image',
};

let counter = 0;
function inv(phase: 'cold' | 'warm', report?: { init?: number; duration: number; memory: number; memorySize: number }, extra: Partial<JoinedInvocation> = {}): JoinedInvocation {
  const requestId = `req-${++counter}`;
  const out: JoinedInvocation = { requestId, phase, startedAt: 1_700_000_000_000 + counter, roundTripMs: (report?.init ?? 0) + (report?.duration ?? 0) + 5, attempts: 1, retryDelayMs: 0, statusCode: 200, ...extra };
  if (report) {
    out.report = {
      requestId,
      durationMs: report.duration,
      billedDurationMs: Math.ceil(report.duration + (report.init ?? 0)),
      memorySizeMB: report.memorySize,
      maxMemoryUsedMB: report.memory,
      ...(report.init !== undefined ? { initDurationMs: report.init } : {}),
    };
  }
  return out;
}

export function syntheticRun(): RawBenchmarkRun {
  counter = 0;
  const apr: JoinedInvocation[] = [
    ...[20, 21, 22, 23, 24].map((init, i) => inv('cold', { init, duration: 1 + i / 10, memory: i === 3 ? 14 : 13, memorySize: 128 }, i === 0 ? { response: { quality: 5.3125, category: 'Average', confidence: 1, top_factors: ['alcohol', 'sulphates', 'pH'], runtime: 'apr' } } : {})),
    inv('cold', { duration: 1, memory: 13, memorySize: 128 }), // no Init Duration: not a new environment
    ...[0.8, 0.85, 0.9, 0.95, 1.0, 0.8, 0.85, 0.9, 0.95, 1.0].map((d) => inv('warm', { duration: d, memory: 14, memorySize: 128 })),
    inv('warm', { init: 19, duration: 1, memory: 13, memorySize: 128 }), // landed in a new environment
    inv('warm', { duration: 1, memory: 14, memorySize: 128 }, { functionError: 'Unhandled', errorType: 'InvalidInput', errorMessage: "missing field 'alcohol'" }),
    inv('warm', undefined), // REPORT never found
  ];
  const torch: JoinedInvocation[] = [
    ...[3900, 3950, 4000, 4050, 4100].map((init, i) => inv('cold', { init, duration: 1.5, memory: 289 + i, memorySize: 512 }, i === 0 ? { response: { quality: 5.31251, category: 'Average', confidence: 1, top_factors: ['alcohol', 'sulphates', 'pH'], runtime: 'pytorch' } } : {})),
    ...[1.5, 1.6, 1.55, 1.6, 1.5, 1.58, 1.62, 1.5, 1.6, 1.55].map((d) => inv('warm', { duration: d, memory: 290, memorySize: 512 })),
    inv('warm', undefined, { apiError: true, statusCode: 429, errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', requestId: 'api-err-1' }),
  ];
  // What the local service read at each cold start's first GET /next (file MB INIT brought in): apr 2.0..2.4
  // (p50 2.2), pytorch 300..340 (p50 320). A warm invocation that landed in a new environment has one too,
  // as it would locally; it is not a cold sample.
  const fileMB = (invocations: JoinedInvocation[], first: number, step: number) =>
    Object.fromEntries(invocations.filter((i) => i.report?.initDurationMs !== undefined).map((i, k) => [i.requestId, Math.round((first + k * step) * 1000) / 1000]));
  return {
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    config: resolveConfig({ coldStarts: 6, warmInvocations: 13, bootstrap: { iterations: 2000 } }),
    aborted: false,
    targets: [
      { spec: APR_SPEC, invocations: apr, runErrors: [], initFileMB: fileMB(apr, 2, 0.1), startedAt: 1, finishedAt: 2 },
      { spec: TORCH_SPEC, invocations: torch, runErrors: ['1 of 16 REPORT records missing in /aws/lambda/wine-pytorch after 180.0 s (e.g. x)'], initFileMB: fileMB(torch, 300, 10), startedAt: 3, finishedAt: 4 },
    ],
  };
}
