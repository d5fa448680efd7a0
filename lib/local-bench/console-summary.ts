import type { BenchmarkResults, Stats } from '../benchmark/types';
import { formatBytes, formatRatio, formatValue } from '../benchmark/render-markdown';

function p50(s: Stats | null, unit: string): string {
  return s ? `${formatValue(s.p50)} ${unit} (p90 ${formatValue(s.p90)}, n=${s.n})` : 'no samples';
}

function pad(cells: string[][]): string[] {
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  return cells.map((row) => row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
}

/** The terminal's view of a run: the reference benchmark's table, ratios with intervals, parity, errors. */
export function renderConsoleSummary(results: BenchmarkResults): string {
  const keys = Object.keys(results.targets);
  const rows: string[][] = [['', ...keys]];
  const each = (label: string, cell: (key: string) => string) => rows.push([label, ...keys.map(cell)]);
  each('runtime', (k) => `${results.targets[k].runtime}, ${results.targets[k].memorySizeMB} MB`);
  each('cold start Init Duration p50', (k) => p50(results.targets[k].cold.initMs, 'ms'));
  each('warm Duration p50', (k) => p50(results.targets[k].warm.durationMs, 'ms'));
  each('Max Memory Used p50 (cold)', (k) => p50(results.targets[k].cold.maxMemoryMB, 'MB'));
  each('package', (k) => `${formatBytes(results.targets[k].packageBytes)} (${results.targets[k].packageLabel})`);
  each('failed invocations', (k) => `${results.targets[k].errors} of ${results.targets[k].invocations}`);
  const lines = pad(rows);

  const ratios = results.ratios;
  if (ratios) {
    const level = formatValue(results.config.bootstrap.confidence * 100);
    lines.push('', `${ratios.numerator} / ${ratios.denominator}:`);
    lines.push(`  cold-start Init p50  ${formatRatio(ratios.coldStartInitP50, level)}`);
    lines.push(`  warm Duration p50    ${formatRatio(ratios.warmDurationP50, level)}`);
    lines.push(`  Max Memory Used      ${formatRatio(ratios.maxMemory, level)}`);
    lines.push(`  package size         ${formatRatio(ratios.packageSize, level)}`);
  }
  if (results.parity) {
    const { maxAbsQualityDiff, identicalLabels, cases } = results.parity;
    lines.push('', `parity over ${cases} payloads: largest quality difference ${maxAbsQualityDiff ?? 'n/a'}, labels ${identicalLabels ? 'identical' : 'DIFFER'}`);
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
