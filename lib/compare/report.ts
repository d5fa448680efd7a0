import { compareRuns, DEFAULT_COMPARE_OPTIONS, type CompareOptions, type Comparison } from './compare-runs';
import { applyGate, type GateResult, type Threshold } from './gate';
import { buildHistory, inTimeOrder, type History } from './history';
import { predictedAgainstMeasured, type PredictedAgainstMeasuredBlock } from './predicted';
import { CompareInputError, type RunDirectory } from './run-dir';

/**
 * Everything `npm run compare` says about its runs, computed before anything is printed or written.
 * Two runs: the first is the baseline, the second the candidate, as given. Three or more: the history
 * of all of them in time order, and the last run compared with the one before it.
 */

export interface CompareReport {
  schemaVersion: 1;
  comparison: Comparison;
  /** A local run beside an AWS run. */
  predictedAgainstMeasured?: PredictedAgainstMeasuredBlock;
  /** Three or more runs. */
  history?: History;
  gate?: GateResult;
}

export interface ReportOptions extends CompareOptions {
  thresholds?: Threshold[];
}

export function buildCompareReport(runs: readonly RunDirectory[], options: ReportOptions = DEFAULT_COMPARE_OPTIONS): CompareReport {
  if (runs.length < 2) throw new CompareInputError(`two run directories or more are needed (baseline, candidate), got ${runs.length}`);
  const seen = new Map<string, string>();
  for (const r of runs) {
    if (seen.has(r.dir)) throw new CompareInputError(`${r.dir} is given twice`);
    seen.set(r.dir, r.label);
  }
  const ordered = runs.length === 2 ? [...runs] : inTimeOrder(runs);
  const baseline = ordered[ordered.length - 2];
  const candidate = ordered[ordered.length - 1];
  const comparison = compareRuns(baseline, candidate, options);
  const report: CompareReport = { schemaVersion: 1, comparison };
  if (baseline.results.backend !== candidate.results.backend) {
    const [local, aws] = baseline.results.backend === 'local' ? [baseline, candidate] : [candidate, baseline];
    report.predictedAgainstMeasured = predictedAgainstMeasured(local, aws, options.seed);
  }
  if (runs.length >= 3) report.history = buildHistory(runs, options.seed, options.iterations);
  if (options.thresholds && options.thresholds.length > 0) report.gate = applyGate(comparison, options.thresholds);
  return report;
}
