import type { BenchmarkResults, PredictedAwsBlock, Stats } from '../benchmark/types';
import { formatBytes, formatPredictedRatio, formatRatio, formatValue } from '../benchmark/render-markdown';

function p50(s: Stats | null, unit: string): string {
  return s ? `${formatValue(s.p50)} ${unit} (p90 ${formatValue(s.p90)}, n=${s.n})` : 'no samples';
}

function predicted(block: PredictedAwsBlock | undefined, arch: 'x86_64' | 'arm64'): string {
  const p = block?.[arch];
  if (!p) return block?.unavailable ? `none (${block.unavailable})` : '—';
  return `${formatValue(p.p50Ms)} ms (95 % ${formatValue(p.interval95.low)}–${formatValue(p.interval95.high)}, model error ${formatValue(p.validation.looMedianAbsErrorPct)} %)`;
}

function pad(cells: string[][]): string[] {
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  return cells.map((row) => row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
}

/**
 * The terminal's view of a run: the reference benchmark's table with, on a local run, the predicted
 * AWS Init Duration beside the measured one; ratios in both forms; warnings where a statistic rests on
 * fewer samples than asked for or cold starts lost their Init Duration; parity; errors.
 */
export function renderConsoleSummary(results: BenchmarkResults): string {
  const keys = Object.keys(results.targets);
  const local = results.backend === 'local';
  const rows: string[][] = [['', ...keys]];
  const each = (label: string, cell: (key: string) => string) => rows.push([label, ...keys.map(cell)]);
  each('runtime', (k) => `${results.targets[k].runtime}, ${results.targets[k].memorySizeMB} MB`);
  each(local ? 'cold start Init Duration p50, measured here' : 'cold start Init Duration p50', (k) => p50(results.targets[k].cold.initMs, 'ms'));
  if (local && keys.some((k) => results.targets[k].predictedAws)) {
    each('  predicted on AWS, x86_64', (k) => predicted(results.targets[k].predictedAws, 'x86_64'));
    each('  predicted on AWS, arm64', (k) => predicted(results.targets[k].predictedAws, 'arm64'));
  }
  each('warm Duration p50', (k) => p50(results.targets[k].warm.durationMs, 'ms'));
  each('Max Memory Used p50 (cold)', (k) => p50(results.targets[k].cold.maxMemoryMB, 'MB'));
  each('package', (k) => `${formatBytes(results.targets[k].packageBytes)} (${results.targets[k].packageLabel})`);
  each('failed invocations', (k) => `${results.targets[k].errors} of ${results.targets[k].invocations}`);
  each('cold starts without Init Duration', (k) => String(results.targets[k].cold.lostInitDuration?.count ?? 0));
  const lines = pad(rows);

  const ratios = results.ratios;
  if (ratios) {
    const level = formatValue(results.config.bootstrap.confidence * 100);
    lines.push('', `${ratios.numerator} / ${ratios.denominator}:`);
    lines.push(`  cold-start Init p50  ${formatRatio(ratios.coldStartInitP50, level)}${local ? ' measured here' : ''}`);
    const pr = ratios.predictedAwsColdStartInitP50;
    if (pr) {
      lines.push(`                       ${formatPredictedRatio(pr.x86_64)} predicted on AWS, x86_64`);
      lines.push(`                       ${formatPredictedRatio(pr.arm64)} predicted on AWS, arm64`);
    }
    lines.push(`  warm Duration p50    ${formatRatio(ratios.warmDurationP50, level)}`);
    lines.push(`  Max Memory Used      ${formatRatio(ratios.maxMemory, level)}`);
    lines.push(`  package size         ${formatRatio(ratios.packageSize, level)}`);
  }
  for (const key of keys) {
    const b = results.targets[key].predictedAws;
    if (b && !b.unavailable && !b.runtimeCalibrated) {
      lines.push(`${key}: the model has not seen runtime ${b.from.runtime}; nearest calibration runtimes: ${b.nearestCalibrationRuntimes.join(', ') || 'none'}`);
    }
    if (b && b.extrapolated) {
      const e = b.extrapolated;
      lines.push(
        `${key}: its model input (local Init p50 + file MB, ${formatValue(e.effectiveLocalMs)} ms effective on ${e.architecture}) lies ${e.direction} ` +
          `the calibration runtimes' (${formatValue(e.rangeMs.min)}–${formatValue(e.rangeMs.max)} ms): the prediction is extrapolated`,
      );
    }
  }
  if (local && results.predictionModel && 'unavailable' in results.predictionModel) {
    lines.push('', `no AWS prediction: ${results.predictionModel.unavailable}`);
  }
  if (local && results.predictionModel && !('unavailable' in results.predictionModel)) {
    for (const m of results.predictionModel.calibrationMismatches ?? []) lines.push(`predictions may be off: ${m}`);
  }

  const warnings: string[] = [];
  for (const key of keys) {
    const t = results.targets[key];
    for (const s of t.sampleShortfalls ?? []) {
      const stat = s.phase === 'cold' ? `Init Duration p50 ${t.cold.initMs ? `${formatValue(t.cold.initMs.p50)} ms` : 'none'}` : `warm Duration p50 ${t.warm.durationMs ? `${formatValue(t.warm.durationMs.p50)} ms` : 'none'}`;
      warnings.push(`WARNING ${key}: ${stat} from n = ${s.n} of ${s.asked} asked (${s.why})`);
    }
    for (const r of t.cold.lostInitDuration?.reasons ?? []) {
      const rt = r.roundTripMs ? `; round trip p50 ${formatValue(r.roundTripMs.p50)} ms (${formatValue(r.roundTripMs.min)}–${formatValue(r.roundTripMs.max)})` : '';
      warnings.push(`WARNING ${key}: ${r.count} cold start(s) without Init Duration, ${r.succeeded} of them answered: ${r.description}${rt}`);
    }
  }
  if (warnings.length) lines.push('', ...warnings);

  if (results.parity) {
    const { maxAbsQualityDiff, identicalLabels, cases } = results.parity;
    const known = typeof results.parity.knownDifferences === 'number' ? results.parity.knownDifferences : 0;
    const targets = results.parity.targets && typeof results.parity.targets === 'object' ? Object.keys(results.parity.targets) : [];
    lines.push(
      '',
      `parity over ${cases} payloads${targets.length > 0 ? ` (${targets.join(', ')} against apr)` : ''}: largest quality difference ${maxAbsQualityDiff ?? 'n/a'}, ` +
        `labels ${identicalLabels ? 'identical' : 'DIFFER'}${known > 0 ? ` but for ${known} known difference${known === 1 ? '' : 's'} (report.md says which and why)` : ''}`,
    );
  }
  lines.push('', `limits applied: ${results.environment.limitsApplied ? 'yes' : 'no'}${results.environment.limitsReason ? ` (${results.environment.limitsReason})` : ''}`);
  for (const key of keys) {
    for (const e of results.targets[key].errorSummary) {
      lines.push(`${key}: ${e.count} × ${e.phase} ${e.kind} error ${e.errorType}: ${e.errorMessage}`);
    }
    for (const message of results.targets[key].runErrors) lines.push(`${key}: ${message}`);
  }
  return lines.join('\n');
}
