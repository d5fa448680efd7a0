import { formatNumber } from '../benchmark/render-svg';

/**
 * Number formats shared by the console table, compare.md and the charts: relative changes as signed
 * percentages, values with the metric's unit. Plain ASCII (a hyphen for minus), so that widths count.
 */

/** 0.123 → "+12.3%"; 6.5 → "+650%"; null → "n/a". */
export function formatPercent(fraction: number | null | undefined, signed = true): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return 'n/a';
  const pct = fraction * 100;
  const abs = Math.abs(pct);
  const digits = abs >= 100 ? 0 : 1;
  const body = abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const sign = pct < 0 && body !== '0.0' && body !== '0' ? '-' : signed ? '+' : '';
  return `${sign}${body}%`;
}

/** [lo, hi] → "+1.2% to +25.0%". */
export function formatPercentInterval(ci: readonly [number, number] | null | undefined): string {
  return ci ? `${formatPercent(ci[0])} to ${formatPercent(ci[1])}` : 'n/a';
}

/** A value with its unit: "1.21 ms", "$0.41/1M" for cost. */
export function formatWithUnit(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  if (unit === '$/1M') return `$${v >= 10 ? v.toFixed(2) : v.toFixed(4)}/1M`;
  return `${formatNumber(v)} ${unit}`;
}

/** A signed difference with its unit. */
export function formatDifference(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  const text = formatWithUnit(Math.abs(v), unit);
  return `${v < 0 ? '-' : '+'}${text}`;
}

/** 0.995 → "99.5%"; 0.9975 → "99.75%". */
export function formatConfidence(c: number): string {
  return `${Number((c * 100).toPrecision(4))}%`;
}
