/**
 * Calibration points from an AWS run of this project: each target the AWS run measured (`npm run
 * bench:aws -- --out DIR`), set beside what a local run (`npm run bench -- --out DIR`) measured of the
 * same target, becomes one row of the calibration table per (package type, architecture) it was
 * measured in on AWS, as lambda-perf's hello worlds are. The model then learns from the functions
 * themselves, not only from hello worlds.
 *
 * Both runs are read with `npm run compare`'s reader (lib/compare/run-dir.ts), so a directory that is
 * not a run, or a corrupt invocations.csv, is refused the same way. The figures are the runs' own
 * results.json statistics: AWS Init Duration p50/p90, n, Max Memory Used p50 and the deployed package's
 * size from the AWS run; local
 * Init Duration p50/p90, n, the init file MB (and the package's part) and Max Memory Used p50 from the
 * local run.
 *
 * A point that cannot be matched is refused with its reason; every reason is collected, so that one
 * message names them all. Pure functions: reading, matching and row building; writing is bin/calibrate.ts's.
 */
import type { Architecture, BenchmarkResults, Stats, TargetResults } from '../benchmark/types';
import { packageTypeOf } from '../benchmark/predicted-aws';
import { readRunDirectory, type RunDirectory } from '../compare/run-dir';
import { checkRunName, RunNameError } from '../handlers/run-layout';
import type { CalibrationRow } from './table';

export class AwsRunPointsError extends Error {
  /** Every problem found, one sentence each (the message lists them too). */
  readonly problems: string[];
  constructor(headline: string, problems: string[]) {
    super(`${headline}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AwsRunPointsError';
    this.problems = problems;
  }
}

/** Where an AWS run's figures come from, as the table's source column names them. */
export interface AwsRunIdentity {
  /** The state machine execution's name (bench:aws downloads the run into DIR/<execution name>/). */
  run: string;
  region: string;
  /** The day the run started, UTC (YYYY-MM-DD). */
  date: string;
  /** 'aws-run <run> <region> <date>'. */
  source: string;
}

/** A point that was not made, and why. */
export interface RefusedPoint {
  /** The AWS run's configuration key. */
  awsTarget: string;
  architecture: Architecture;
  reasons: string[];
}

export interface AwsRunPoints {
  identity: AwsRunIdentity;
  /** One row per (target, architecture) matched, in the table's order of columns. */
  rows: CalibrationRow[];
  refused: RefusedPoint[];
  /** AWS configurations measured but not used, with why (another memory size of a target already used). */
  notUsed: string[];
}

const SOURCE_PREFIX = 'aws-run';

/** The table's source for an AWS run: 'aws-run <run> <region> <date>'. */
export function awsRunSource(run: string, region: string, date: string): string {
  return `${SOURCE_PREFIX} ${run} ${region} ${date}`;
}

/** The run and region of an 'aws-run ...' source; undefined for any other source (lambda-perf's). */
export function parseAwsRunSource(source: string): { run: string; region: string; date: string } | undefined {
  const m = /^aws-run (\S+) (\S+) (\S+)$/.exec(source);
  return m ? { run: m[1], region: m[2], date: m[3] } : undefined;
}

/** The table's runtime label of an AWS run's target: unique per target and run, so two runs of one target are two points. */
export function awsRunRuntimeLabel(target: string, run: string): string {
  return `${target} (aws-run ${run})`;
}

/**
 * Both directories, read and checked as runs (npm run compare's reader), then as what each must be:
 * the first an AWS run, the second a local one. Every problem of the pair is named at once.
 */
export function readAwsAndLocalRuns(awsDir: string, localDir: string): { aws: RunDirectory; local: RunDirectory } {
  const aws = readRunDirectory(awsDir);
  const local = readRunDirectory(localDir);
  const problems = runKindProblems(aws, local);
  if (problems.length > 0) throw new AwsRunPointsError('calibrate --aws-run: the runs cannot be used', problems);
  return { aws, local };
}

function runKindProblems(aws: RunDirectory, local: RunDirectory): string[] {
  const problems: string[] = [];
  if (aws.results.backend !== 'aws') {
    problems.push(`--aws-run ${aws.dir} is a ${aws.results.backend} run (results.json "backend": ${JSON.stringify(aws.results.backend)}): give a run of npm run bench:aws -- --out DIR`);
  }
  if (local.results.backend !== 'local') {
    problems.push(`--local-run ${local.dir} is an ${local.results.backend} run (results.json "backend": ${JSON.stringify(local.results.backend)}): give a run of npm run bench -- --out DIR`);
  }
  return problems;
}

/**
 * The AWS run's name, region and date. The name is the one results.json records (`run`); results written
 * before it was recorded are named by their directory (bench:aws downloads a run into DIR/<execution
 * name>/). The region is what the deployed Aggregate
 * records in the environment manifest (lib/handlers/lambda/index.ts: AWS_REGION), the date is the run's
 * start (results.json startedAt, UTC).
 */
export function awsRunIdentity(aws: Pick<RunDirectory, 'dir' | 'label' | 'results'>): AwsRunIdentity {
  const problems: string[] = [];
  const recorded = typeof aws.results.run === 'string' ? aws.results.run : undefined;
  let run = recorded ?? aws.label;
  try {
    run = checkRunName(run);
  } catch (error) {
    if (!(error instanceof RunNameError)) throw error;
    problems.push(
      recorded !== undefined
        ? `${aws.dir}/results.json: "run" ${JSON.stringify(recorded)} is not an execution name: ${error.message}`
        : `the AWS run's execution name is its directory's name (npm run bench:aws -- --out DIR writes DIR/<execution name>/; its results.json records none), and ${JSON.stringify(aws.label)} is not one: ${error.message}`,
    );
  }
  const region = aws.results.environment.region;
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    problems.push(`${aws.dir}/results.json: "environment"."region" is ${JSON.stringify(region ?? null)}, expected the AWS region the run was measured in (e.g. "us-east-1")`);
  }
  if (problems.length > 0) throw new AwsRunPointsError('calibrate --aws-run: the AWS run cannot be named as a source', problems);
  const date = new Date(aws.results.startedAt).toISOString().slice(0, 10);
  return { run, region: region as string, date, source: awsRunSource(run, region as string, date) };
}

/**
 * The target a configuration key measures: the results' own `ladderTarget` where it has one (local
 * runs), else the longest key of the local run that the AWS key is, or extends by -arm64 and/or
 * -<memory MB> (lib/targets/deployment-plan.ts functionKey; a local run writes -<memory>mb), else the
 * key without those suffixes.
 */
export function ladderTargetOf(key: string, t: Pick<TargetResults, 'ladderTarget'>, localKeys: readonly string[]): string {
  if (t.ladderTarget) return t.ladderTarget;
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const found = localKeys
    .filter((k) => new RegExp(`^${escape(k)}(-arm64)?(-\\d+(mb)?)?$`).test(key))
    .sort((a, b) => b.length - a.length)[0];
  return found ?? key.replace(/(-arm64)?(-\d+(mb)?)?$/, '');
}

const hasSamples = (s: Stats | null | undefined): s is Stats => !!s && s.n > 0;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Local results' package type: the prediction block's where there is one, else from the runtime label (as Prepare does). */
function localPackageType(t: TargetResults) {
  return t.predictedAws?.from.packageType ?? packageTypeOf({ runtimeLabel: t.runtime });
}

/**
 * The AWS configurations of one (target, architecture): the one at the local run's memory size of the
 * target where the AWS run has it (Max Memory Used is then like for like), else the smallest memory
 * size (Init Duration does not depend on it: FIELD-NOTES, lambda-perf's figures), ties by key.
 */
function chooseConfiguration(keys: string[], aws: BenchmarkResults, localMemoryMB: number | undefined): string {
  return [...keys].sort((a, b) => {
    const ma = aws.targets[a].memorySizeMB;
    const mb = aws.targets[b].memorySizeMB;
    const atLocal = Number(mb === localMemoryMB) - Number(ma === localMemoryMB);
    return atLocal || ma - mb || a.localeCompare(b);
  })[0];
}

/**
 * Rows for every target the AWS run measured, matched with the local run. `reservedFamilies` are the
 * families of the table's other sources (lambda-perf's: rust, python, ...): a target whose key is one of
 * them would join that family, and leaving it out would no longer leave the target alone out, so it is
 * refused.
 */
export function awsRunPoints(aws: RunDirectory, local: RunDirectory, reservedFamilies: ReadonlySet<string> = new Set()): AwsRunPoints {
  const problems = runKindProblems(aws, local);
  if (problems.length > 0) throw new AwsRunPointsError('calibrate --aws-run: the runs cannot be used', problems);
  const identity = awsRunIdentity(aws);
  const localKeys = Object.keys(local.results.targets);
  const groups = new Map<string, { target: string; architecture: Architecture; keys: string[] }>();
  for (const [key, t] of Object.entries(aws.results.targets).sort(([a], [b]) => a.localeCompare(b))) {
    const target = ladderTargetOf(key, t, localKeys);
    const id = `${target} ${t.architecture}`;
    const group = groups.get(id) ?? { target, architecture: t.architecture, keys: [] };
    group.keys.push(key);
    groups.set(id, group);
  }
  if (groups.size === 0) throw new AwsRunPointsError('calibrate --aws-run: nothing to calibrate on', [`${aws.dir}/results.json has no target`]);

  const rows: CalibrationRow[] = [];
  const refused: RefusedPoint[] = [];
  const notUsed: string[] = [];
  for (const { target, architecture, keys } of groups.values()) {
    const l = local.results.targets[target];
    const key = chooseConfiguration(keys, aws.results, l?.memorySizeMB);
    for (const other of keys.filter((k) => k !== key)) {
      notUsed.push(`${other} (${aws.results.targets[other].memorySizeMB} MB): another memory size of ${target} ${architecture}; the point uses ${key} (${aws.results.targets[key].memorySizeMB} MB)`);
    }
    const a = aws.results.targets[key];
    const reasons: string[] = [];
    if (!hasSamples(a.cold.initMs)) reasons.push(`the AWS run has no cold start with an Init Duration for ${key}`);
    if (reservedFamilies.has(target)) reasons.push(`its target ${target} has the name of a family of the table's other points, and would be left out with that family`);
    if (!l) {
      reasons.push(`the local run did not measure ${target} (its targets: ${localKeys.join(', ') || 'none'})`);
    } else {
      if (!hasSamples(l.cold.initMs)) reasons.push(`the local run has no cold start with an Init Duration for ${target}`);
      if (!hasSamples(l.cold.initFileMB)) reasons.push(`the local run did not measure the file MB ${target}'s cold starts brought in during INIT (the model's second input)`);
      const awsType = packageTypeOf({ runtimeLabel: a.runtime });
      const localType = localPackageType(l);
      if (awsType !== localType) reasons.push(`package types differ: ${awsType} on AWS (runtime ${a.runtime}), ${localType} in the local run (runtime ${l.runtime})`);
    }
    if (reasons.length > 0) {
      refused.push({ awsTarget: key, architecture, reasons });
      continue;
    }
    const init = l!.cold.initMs!;
    const fileMB = round3(l!.cold.initFileMB!.p50);
    const awsInit = a.cold.initMs!;
    rows.push({
      calibrationFunction: target,
      runtime: awsRunRuntimeLabel(target, identity.run),
      family: target,
      source: identity.source,
      localN: init.n,
      localInitP50Ms: round3(init.p50),
      localInitP90Ms: round3(init.p90),
      localInitFileMB: fileMB,
      localPackageFileMB: Math.min(round3(hasSamples(l!.cold.initPackageFileMB) ? l!.cold.initPackageFileMB.p50 : 0), fileMB),
      localMaxMemoryMB: hasSamples(l!.cold.maxMemoryMB) ? round3(l!.cold.maxMemoryMB.p50) : 0,
      // The package Lambda received, as the AWS run describes the deployed function (describe-target.ts), MB of 2^20 bytes.
      packageZipMB: round3(a.packageBytes / 1048576),
      packageType: packageTypeOf({ runtimeLabel: a.runtime }),
      architecture,
      awsMemoryMB: a.memorySizeMB,
      awsN: awsInit.n,
      awsInitP50Ms: round3(awsInit.p50),
      awsInitP90Ms: round3(awsInit.p90),
      awsMaxMemoryMB: hasSamples(a.cold.maxMemoryMB) ? round3(a.cold.maxMemoryMB.p50) : null,
    });
  }
  return { identity, rows, refused, notUsed };
}

/** One line per refused point: '<key> (<architecture>): <reason>; <reason>'. */
export function describeRefused(refused: readonly RefusedPoint[]): string[] {
  return refused.map((r) => `${r.awsTarget} (${r.architecture}): ${r.reasons.join('; ')}`);
}

/**
 * The table with the AWS run's rows: every other row kept (lambda-perf's, other AWS runs'), the rows of
 * the same run (same execution name and region) replaced, so that adding a run twice gives the same table.
 */
export function mergeAwsRunRows(existing: readonly CalibrationRow[], points: Pick<AwsRunPoints, 'identity' | 'rows'>): { rows: CalibrationRow[]; replaced: number } {
  const same = (r: CalibrationRow) => {
    const s = parseAwsRunSource(r.source);
    return !!s && s.run === points.identity.run && s.region === points.identity.region;
  };
  const kept = existing.filter((r) => !same(r));
  return { rows: [...kept, ...points.rows], replaced: existing.length - kept.length };
}

/** Families of the rows that are not from AWS runs (lambda-perf's): a target must not take one of their names. */
export function familiesOfOtherSources(rows: readonly CalibrationRow[]): Set<string> {
  return new Set(rows.filter((r) => !parseAwsRunSource(r.source)).map((r) => r.family));
}
