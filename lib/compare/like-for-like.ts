import { LOAD_MISMATCH } from '../benchmark/predicted-aws';
import type { BenchmarkResults, JsonValue } from '../benchmark/types';

/**
 * Whether two runs measured under the same conditions, read from what each run recorded: its
 * environment manifest (lib/local-bench/environment-manifest.ts on a local run; region and the
 * measuring function on AWS, lib/handlers/lambda), its settings, and each compared target's
 * configuration. Each difference that moves the numbers becomes a warning that names it and both
 * values; a local run beside an AWS run is allowed and labelled as exactly that.
 */

export type ComparisonKind = 'local vs local' | 'AWS vs AWS' | 'local vs AWS' | 'AWS vs local';

export interface LikeForLike {
  kind: ComparisonKind;
  /** Differences that move the numbers. */
  warnings: string[];
  /** What a reader should know but that does not move the p50s (sample sizes, what is not recorded). */
  notes: string[];
}

const backendName = (r: BenchmarkResults) => (r.backend === 'aws' ? 'AWS' : 'local');

export function comparisonKind(a: BenchmarkResults, b: BenchmarkResults): ComparisonKind {
  return `${backendName(a)} vs ${backendName(b)}` as ComparisonKind;
}

const show = (v: JsonValue | undefined) => (v === undefined || v === null ? 'not recorded' : typeof v === 'string' ? v : JSON.stringify(v));

/** Manifest fields of a local run whose difference moves local timings, and what each is. */
const MACHINE_FIELDS: readonly [string, string][] = [
  ['cpu', 'CPU model'],
  ['logicalCpus', 'number of CPUs'],
  ['memoryGiB', 'memory (GiB)'],
  ['kernel', 'kernel'],
  ['os', 'operating system'],
];
const CODE_FIELDS: readonly [string, string][] = [
  ['commit', 'commit'],
  ['gitCommit', 'commit'],
  ['aprBinarySha256', "the .apr function's binary (SHA-256)"],
  ['aprZipSha256', "the .apr function's zip (SHA-256)"],
  ['modelSha256', 'the model (SHA-256)'],
  ['aprBuildTarget', "the .apr function's build target"],
];
const PACKAGE_FIELDS: readonly [string, string][] = [
  ['node', 'Node.js'],
  ['rustc', 'rustc'],
  ['python', 'Python'],
  ['torch', 'torch'],
  ['awslambdaric', 'awslambdaric'],
];

function differs(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  // A field one run does not record is not a difference either run can show.
  if (a === undefined || a === null || b === undefined || b === null) return false;
  return JSON.stringify(a) !== JSON.stringify(b);
}

export function likeForLike(a: BenchmarkResults, b: BenchmarkResults, targets: readonly string[]): LikeForLike {
  const kind = comparisonKind(a, b);
  const warnings: string[] = [];
  const notes: string[] = [];
  const ea = a.environment;
  const eb = b.environment;
  const fieldWarnings = (fields: readonly [string, string][], why: string) => {
    for (const [key, name] of fields) {
      if (differs(ea[key], eb[key])) warnings.push(`${name} differs: ${show(ea[key])} (baseline) against ${show(eb[key])} (candidate); ${why}`);
    }
  };

  if (a.backend !== b.backend) {
    notes.push(
      `${kind}: a local run beside an AWS run. The local service reproduces neither Lambda's own start-up nor what a fresh ` +
        'worker fetches, so Init Duration and round trip differ by design; the predicted-against-measured table is the comparison to read',
    );
  } else if (a.backend === 'local') {
    fieldWarnings(MACHINE_FIELDS, 'local timings belong to the machine they were measured on');
    const la = typeof ea.loadAverage1mBefore === 'number' ? ea.loadAverage1mBefore : null;
    const lb = typeof eb.loadAverage1mBefore === 'number' ? eb.loadAverage1mBefore : null;
    if (la !== null && lb !== null && Math.abs(la - lb) >= LOAD_MISMATCH) {
      warnings.push(`the 1-minute load average before the run differs by a core or more: ${la} (baseline) against ${lb} (candidate); what else the machine does slows every init`);
    }
    if (ea.limitsApplied !== eb.limitsApplied) {
      warnings.push(
        `limits were ${ea.limitsApplied ? '' : 'not '}applied in the baseline and ${eb.limitsApplied ? '' : 'not '}in the candidate: ` +
          "without them a function's invocations run with every CPU instead of its memory size's share",
      );
    }
    fieldWarnings(PACKAGE_FIELDS, 'a runtime or toolchain of another version starts differently');
  } else {
    if (differs(ea.region, eb.region)) warnings.push(`region differs: ${show(ea.region)} (baseline) against ${show(eb.region)} (candidate)`);
  }
  fieldWarnings(CODE_FIELDS, 'the code or the model measured is not the same');
  if (!['commit', 'gitCommit'].some((k) => ea[k] !== undefined || eb[k] !== undefined)) {
    notes.push("neither run records its commit; the .apr function's binary and model SHA-256 (where recorded) stand in for it");
  }

  if (JSON.stringify(a.config.payload) !== JSON.stringify(b.config.payload)) {
    warnings.push('the payload differs: each function was sent another event (results.json config.payload)');
  }
  if (a.config.coldStarts !== b.config.coldStarts || a.config.warmInvocations !== b.config.warmInvocations) {
    notes.push(
      `sample sizes differ: ${a.config.coldStarts} cold starts and ${a.config.warmInvocations} warm invocations per target in the baseline, ` +
        `${b.config.coldStarts} and ${b.config.warmInvocations} in the candidate (this widens or narrows the intervals, it does not move the p50s)`,
    );
  }
  for (const key of targets) {
    const ta = a.targets[key];
    const tb = b.targets[key];
    const checks: [string, JsonValue | undefined, JsonValue | undefined][] = [
      ['memory size (MB)', ta.memorySizeMB, tb.memorySizeMB],
      ['architecture', ta.architecture, tb.architecture],
      ['runtime', ta.runtime, tb.runtime],
      ['package size (bytes)', ta.packageBytes, tb.packageBytes],
      ['cold starts per forced update', ta.coldStartConcurrency, tb.coldStartConcurrency],
    ];
    for (const [name, va, vb] of checks) {
      if (differs(va, vb)) warnings.push(`${key}: ${name} differs: ${show(va)} (baseline) against ${show(vb)} (candidate)`);
    }
    if (JSON.stringify(ta.payload ?? null) !== JSON.stringify(tb.payload ?? null)) warnings.push(`${key}: its own payload differs between the runs`);
    for (const [which, t] of [['baseline', ta], ['candidate', tb]] as const) {
      if (t.errors > 0 || t.runErrors.length > 0) notes.push(`${key}: ${t.errors} failed invocation(s) and ${t.runErrors.length} run error(s) in the ${which}; failed invocations are not samples`);
    }
  }
  for (const [which, r] of [['baseline', a], ['candidate', b]] as const) {
    if (r.aborted) warnings.push(`the ${which} run was stopped early: it holds what was measured until then`);
  }
  return { kind, warnings, notes };
}
