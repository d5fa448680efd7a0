/**
 * Where a run's files live, relative to the results bucket (or the local output directory):
 *
 *   runs/<run>/results.json, invocations.csv, report.md, *.svg   the results (written last)
 *   runs/<run>/failure.json                                       only when the run failed
 *   runs/<run>/raw/run.json                                       resolved config and targets
 *   runs/<run>/raw/<target>/cold/0001.json ...                    one record per cold invocation
 *   runs/<run>/raw/<target>/warm.json                             the warm invocations
 *   runs/<run>/raw/<target>/reports.json                          REPORT records found so far
 *   runs/<run>/raw/<target>/run-errors.json                       what stopped the target, if anything
 *
 * The run is the state machine execution's name.
 */

export const RUNS_PREFIX = 'runs/';

const RUN_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const TARGET_KEY = /^[a-z0-9][a-z0-9-]{0,39}$/;

export class RunNameError extends Error {
  constructor(what: string, value: unknown, allowed: string) {
    super(`${what} ${JSON.stringify(value)} cannot name files: ${allowed}`);
    this.name = 'RunNameError';
  }
}

export function checkRunName(name: unknown): string {
  if (typeof name !== 'string' || !RUN_NAME.test(name)) {
    throw new RunNameError('run name', name, 'use 1 to 80 letters, digits, "-" or "_"');
  }
  return name;
}

export function checkTargetKey(key: unknown): string {
  if (typeof key !== 'string' || !TARGET_KEY.test(key)) {
    throw new RunNameError('target key', key, 'use lower-case letters, digits and "-", at most 40');
  }
  return key;
}

export const runPrefix = (run: string) => `${RUNS_PREFIX}${checkRunName(run)}/`;
const rawTarget = (run: string, target: string) => `${runPrefix(run)}raw/${checkTargetKey(target)}/`;

export const layout = {
  runPrefix,
  runManifest: (run: string) => `${runPrefix(run)}raw/run.json`,
  coldPrefix: (run: string, target: string) => `${rawTarget(run, target)}cold/`,
  /** 1-based, zero-padded so that keys sort in invocation order. */
  cold: (run: string, target: string, index: number) => `${rawTarget(run, target)}cold/${String(index).padStart(4, '0')}.json`,
  warm: (run: string, target: string) => `${rawTarget(run, target)}warm.json`,
  reports: (run: string, target: string) => `${rawTarget(run, target)}reports.json`,
  runErrors: (run: string, target: string) => `${rawTarget(run, target)}run-errors.json`,
  failure: (run: string) => `${runPrefix(run)}failure.json`,
};
