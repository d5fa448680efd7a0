/** How plans write durations and dollars. */
import type { Range } from './figures';

/** 45 s, 3 min 05 s, 1 h 02 min. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${seconds > 0 && seconds < 1 ? seconds.toFixed(1) : s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** $1.23, $0.123, $0.0012: two significant digits below a cent. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd >= 0.01) return `$${usd.toFixed(3)}`;
  return `$${usd.toPrecision(2)}`;
}

export function formatRange(r: Range, f: (v: number) => string): string {
  return `${f(r.low)} to ${f(r.high)}`;
}

export function formatUsdRange(r: Range): string {
  return formatRange(r, formatUsd);
}

/** A number with up to `digits` significant digits and thousands separators. */
export function formatNumber(v: number, digits = 3): string {
  if (v === 0) return '0';
  const rounded = Math.abs(v) >= 10 ** digits ? Math.round(v) : Number(v.toPrecision(digits));
  return rounded.toLocaleString('en-US', { maximumFractionDigits: 6 });
}
