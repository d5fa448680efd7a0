import { resolveConfig } from '../../lib/benchmark/config';
import type { JoinedInvocation, RawBenchmarkRun, TargetSpec } from '../../lib/benchmark/types';
import { targetDefinition, TARGET_KEYS } from '../../lib/targets/registry';

/**
 * The widest run the reports must lay out: every registry target (lib/targets/registry.ts), a function
 * from a target file whose name has the 64 characters Lambda allows, and each of them again at a second
 * memory size (keyed `<target>-<size>mb`). The figures are of the size the README's local run measured
 * (Init p50 from about 1.2 ms to 794 ms); the target-file function is made slow and large on purpose, so
 * that its numbers are as wide as a benchmark's get (a 10 s Init, a 1.5 GB image).
 */

/** A 64-character target name (Lambda's longest function name: letters, digits, - and _). */
export const LONG_TARGET_KEY = 'a-function-from-a-target-file-whose-name-takes-all-64-characters';

interface Figures {
  initMs: number;
  fileMB: number;
  warmMs: number;
  memoryMB: number;
  packageBytes: number;
}

const FIGURES: Record<string, Figures> = {
  apr: { initMs: 1.21, fileMB: 1.5, warmMs: 0.18, memoryMB: 2, packageBytes: 761_408 },
  'apr-runtime-crate': { initMs: 1.62, fileMB: 1.7, warmMs: 0.2, memoryMB: 3, packageBytes: 970_804 },
  python: { initMs: 43.9, fileMB: 10, warmMs: 0.4, memoryMB: 17, packageBytes: 538_697 },
  numpy: { initMs: 83.7, fileMB: 31, warmMs: 0.45, memoryMB: 28, packageBytes: 21_723_584 },
  onnx: { initMs: 117.3, fileMB: 60, warmMs: 0.5, memoryMB: 52, packageBytes: 54_450_100 },
  pytorch: { initMs: 794, fileMB: 133, warmMs: 0.47, memoryMB: 231, packageBytes: 624_000_000 },
  node: { initMs: 43.4, fileMB: 41, warmMs: 0.3, memoryMB: 51, packageBytes: 10_726 },
  [LONG_TARGET_KEY]: { initMs: 9_876.54, fileMB: 512, warmMs: 1_234.56, memoryMB: 1_700, packageBytes: 1_500_000_000 },
};

export const SECOND_MEMORY_MB = 1769;

function specOf(key: string, memorySizeMB?: number): TargetSpec {
  const own = key === LONG_TARGET_KEY
    ? { runtimeLabel: 'python3.12', packageType: 'Image' as const, memorySizeMB: 1769 }
    : (({ runtimeLabel, packageType, memorySizeMB: mb }) => ({ runtimeLabel, packageType, memorySizeMB: mb }))(targetDefinition(key as (typeof TARGET_KEYS)[number]));
  const size = memorySizeMB ?? own.memorySizeMB;
  const configKey = size === own.memorySizeMB ? key : `${key}-${size}mb`;
  return {
    key: configKey,
    functionName: configKey.slice(0, 64),
    logGroupName: `/aws/lambda/${configKey}`,
    runtimeLabel: own.runtimeLabel,
    memorySizeMB: size,
    architecture: 'x86_64',
    packageBytes: FIGURES[key].packageBytes,
    packageLabel: own.packageType === 'Zip' ? 'zip' : 'container image',
    packageType: own.packageType,
    ...(configKey !== key ? { ladderTarget: key } : {}),
  };
}

/** 30 cold starts and 100 warm invocations around the target's figures; every tenth warm one of the slow target fails. */
function invocationsOf(spec: TargetSpec, f: Figures, counter: { n: number }): JoinedInvocation[] {
  const out: JoinedInvocation[] = [];
  const spread = (i: number) => 1 + 0.04 * (((i * 7) % 11) - 5) / 5;
  for (let i = 0; i < 130; i++) {
    const phase = i < 30 ? 'cold' : 'warm';
    const requestId = `${spec.key}-${++counter.n}`;
    const durationMs = f.warmMs * spread(i);
    const initDurationMs = phase === 'cold' ? f.initMs * spread(i) : undefined;
    const failing = spec.key.startsWith(LONG_TARGET_KEY) && phase === 'warm' && i % 10 === 0;
    out.push({
      requestId, phase, startedAt: 1_700_000_000_000 + counter.n, roundTripMs: (initDurationMs ?? 0) + durationMs + 2, attempts: 1, retryDelayMs: 0, statusCode: 200,
      ...(failing ? { functionError: 'Unhandled', errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status 1` } : {}),
      report: {
        requestId, durationMs, billedDurationMs: Math.ceil(durationMs + (initDurationMs ?? 0)), memorySizeMB: spec.memorySizeMB, maxMemoryUsedMB: f.memoryMB,
        ...(initDurationMs !== undefined ? { initDurationMs } : {}),
        ...(failing ? { status: 'error', errorType: 'Runtime.ExitError' } : {}),
      },
    });
  }
  return out;
}

export function wideRun(): RawBenchmarkRun {
  const counter = { n: 0 };
  const keys = [...TARGET_KEYS, LONG_TARGET_KEY];
  const specs = [...keys.map((k) => specOf(k)), ...keys.map((k) => specOf(k, SECOND_MEMORY_MB)).filter((s) => s.ladderTarget)];
  return {
    startedAt: '2026-12-07T12:00:00.000Z',
    finishedAt: '2026-12-07T12:01:30.000Z',
    config: resolveConfig({ coldStarts: 30, warmInvocations: 100, bootstrap: { iterations: 500 } }),
    aborted: false,
    targets: specs.map((spec, i) => {
      const f = FIGURES[spec.ladderTarget ?? spec.key];
      const invocations = invocationsOf(spec, f, counter);
      const initFileMB = Object.fromEntries(invocations.filter((inv) => inv.report?.initDurationMs !== undefined).map((inv) => [inv.requestId, f.fileMB]));
      return { spec, invocations, runErrors: [], initFileMB, startedAt: i * 10, finishedAt: i * 10 + 9 };
    }),
  };
}
