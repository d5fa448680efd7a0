import { mulberry32, quantileSorted } from './statistics';
import type { BenchmarkResults, Stats } from './types';

/**
 * Hand-written SVG charts (no dependency): standalone documents with width, height and viewBox,
 * all text escaped. Axes are logarithmic because the values compared span orders of magnitude
 * (a 20 ms Init Duration beside a 4,000 ms one).
 */

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Compact number for labels: 3 significant digits, at most 2 decimals, thousands separated. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Axis tick label: decades and their 2× / 5× need no decimals above 1. */
export function formatTick(v: number): string {
  return v >= 1 ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : String(Number(v.toPrecision(1)));
}

export const FONT = 'font-family="Helvetica, Arial, sans-serif"';
/** One colour per series; eight, so that the seven ladder targets never share one. */
export const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];

/** A log10 scale over whole decades that cover [min, max]; values at or below 0 are clamped to the first decade. */
export class LogScale {
  readonly lo: number;
  readonly hi: number;
  constructor(
    values: readonly number[],
    private readonly x0: number,
    private readonly x1: number,
  ) {
    const positive = values.filter((v) => v > 0 && Number.isFinite(v));
    const min = positive.length ? Math.min(...positive) : 1;
    const max = positive.length ? Math.max(...positive) : 10;
    this.lo = 10 ** Math.floor(Math.log10(min));
    let hi = 10 ** Math.ceil(Math.log10(max));
    if (hi <= this.lo) hi = this.lo * 10;
    this.hi = hi;
  }
  x(v: number): number {
    const clamped = Math.min(Math.max(v, this.lo), this.hi);
    return this.x0 + ((Math.log10(clamped) - Math.log10(this.lo)) / (Math.log10(this.hi) - Math.log10(this.lo))) * (this.x1 - this.x0);
  }
  /** Decade ticks plus 2× and 5× when there are few decades. */
  ticks(): { value: number; major: boolean }[] {
    const out: { value: number; major: boolean }[] = [];
    const decades = Math.round(Math.log10(this.hi / this.lo));
    for (let d = this.lo; d <= this.hi * 1.0001; d *= 10) {
      out.push({ value: d, major: true });
      if (decades <= 4 && d * 10 <= this.hi * 1.0001) {
        out.push({ value: d * 2, major: false }, { value: d * 5, major: false });
      }
    }
    return out;
  }
}

export function num(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

export function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${num(x)}" y="${num(y)}" ${FONT} ${attrs}>${escapeXml(content)}</text>`;
}

function axis(scale: LogScale, top: number, bottom: number, unit: string): string[] {
  const parts: string[] = [];
  for (const t of scale.ticks()) {
    const x = scale.x(t.value);
    parts.push(`<line x1="${num(x)}" y1="${num(top)}" x2="${num(x)}" y2="${num(bottom)}" stroke="${t.major ? '#bbb' : '#e5e5e5'}" stroke-width="1"/>`);
    parts.push(text(x, bottom + 16, formatTick(t.value), 'font-size="11" text-anchor="middle" fill="#333"'));
  }
  parts.push(text((scale.x(scale.lo) + scale.x(scale.hi)) / 2, bottom + 34, `${unit} (log scale)`, 'font-size="12" text-anchor="middle" fill="#333"'));
  return parts;
}

export function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

export interface BarSeries {
  label: string;
  /** Measured samples: bar at p50, line from min to max, ticks at p90 and p99. */
  stats: Stats | null;
  /** A prediction instead of samples: bar at its p50, a bracket over its interval (drawn hatched). */
  estimate?: { p50: number; low: number; high: number; note: string };
}

export interface BarGroup {
  name: string;
  bars: BarSeries[];
}

export interface BarChartSpec {
  title: string;
  subtitle?: string;
  unit: string;
  groups: BarGroup[];
}

/**
 * Horizontal p50 bars with the spread drawn over them: a thin line from min to max, ticks at p90
 * and p99, and the numbers (with n) written beside each bar.
 */
export function renderBarChart(spec: BarChartSpec): string {
  const width = 860;
  const left = 170;
  const right = 250;
  const rowHeight = 34;
  const top = spec.subtitle ? 64 : 48;
  const rows = spec.groups.reduce((n, g) => n + 1 + Math.max(1, g.bars.length), 0);
  const plotBottom = top + rows * rowHeight;
  const height = plotBottom + 78;
  const all = spec.groups.flatMap((g) =>
    g.bars.flatMap((b) => [...(b.stats ? [b.stats.min, b.stats.max, b.stats.p50] : []), ...(b.estimate ? [b.estimate.low, b.estimate.high, b.estimate.p50] : [])]),
  );
  const scale = new LogScale(all, left, width - right);
  const body: string[] = [
    text(16, 26, spec.title, 'font-size="16" font-weight="bold" fill="#111"'),
    ...(spec.subtitle ? [text(16, 46, spec.subtitle, 'font-size="12" fill="#555"')] : []),
    ...axis(scale, top, plotBottom, spec.unit),
  ];
  const hasEstimates = spec.groups.some((g) => g.bars.some((b) => b.estimate));
  if (hasEstimates) {
    body.push(
      '<defs><pattern id="predicted" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
        '<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="3"/></pattern></defs>',
    );
  }
  let y = top;
  let colorIndex = 0;
  const colorOf = new Map<string, string>();
  for (const group of spec.groups) {
    body.push(text(16, y + 22, group.name, 'font-size="13" font-weight="bold" fill="#111"'));
    y += rowHeight;
    for (const bar of group.bars) {
      if (!colorOf.has(bar.label)) colorOf.set(bar.label, COLORS[colorIndex++ % COLORS.length]);
      const color = colorOf.get(bar.label) as string;
      const mid = y + rowHeight / 2;
      body.push(text(left - 10, mid + 4, bar.label, 'font-size="12" text-anchor="end" fill="#111"'));
      const e = bar.estimate;
      if (e) {
        const x0 = scale.x(scale.lo);
        body.push(`<rect x="${num(x0)}" y="${num(mid - 9)}" width="${num(Math.max(1, scale.x(e.p50) - x0))}" height="18" fill="url(#predicted)" stroke="${color}" stroke-width="1.5"/>`);
        const [xl, xh] = [scale.x(e.low), scale.x(e.high)];
        body.push(`<line x1="${num(xl)}" y1="${num(mid)}" x2="${num(xh)}" y2="${num(mid)}" stroke="#222" stroke-width="1.2" stroke-dasharray="4 2"/>`);
        for (const x of [xl, xh]) body.push(`<line x1="${num(x)}" y1="${num(mid - 7)}" x2="${num(x)}" y2="${num(mid + 7)}" stroke="#222" stroke-width="1.5"/>`);
        body.push(text(width - right + 10, mid + 4, `p50 ${formatNumber(e.p50)} (95 % ${formatNumber(e.low)}–${formatNumber(e.high)}) ${e.note}`, 'font-size="11" fill="#111"'));
        y += rowHeight;
        continue;
      }
      const s = bar.stats;
      if (!s) {
        body.push(text(left + 6, mid + 4, 'no successful samples', 'font-size="12" fill="#a00"'));
        y += rowHeight;
        continue;
      }
      const x0 = scale.x(scale.lo);
      body.push(`<rect x="${num(x0)}" y="${num(mid - 9)}" width="${num(Math.max(1, scale.x(s.p50) - x0))}" height="18" fill="${color}" fill-opacity="0.75"/>`);
      body.push(`<line x1="${num(scale.x(s.min))}" y1="${num(mid)}" x2="${num(scale.x(s.max))}" y2="${num(mid)}" stroke="#222" stroke-width="1.2"/>`);
      for (const [value, h] of [[s.p90, 6], [s.p99, 10]] as const) {
        const x = scale.x(value);
        body.push(`<line x1="${num(x)}" y1="${num(mid - h)}" x2="${num(x)}" y2="${num(mid + h)}" stroke="#222" stroke-width="2"/>`);
      }
      body.push(
        text(width - right + 10, mid + 4, `p50 ${formatNumber(s.p50)} · p90 ${formatNumber(s.p90)} · p99 ${formatNumber(s.p99)} (n=${s.n})`, 'font-size="11" fill="#111"'),
      );
      y += rowHeight;
    }
    if (group.bars.length === 0) y += rowHeight;
  }
  body.push(
    text(16, height - 12, 'Bar: p50. Line: min to max. Short tick: p90. Long tick: p99. Percentiles by linear interpolation (type 7).', 'font-size="11" fill="#555"'),
  );
  if (hasEstimates) {
    body.push(text(16, height - 28, 'Hatched bar: predicted p50 (model, not measured). Dashed bracket: its 95 % prediction interval. LOO: the model\'s median leave-one-runtime-out error.', 'font-size="11" fill="#555"'));
  }
  return svgDocument(width, height, spec.title, body);
}

/**
 * cold-start.svg: Init Duration and client round trip as measured; on a local run also the predicted
 * AWS Init Duration (x86_64 and arm64) with its interval beside them, hatched so that nobody takes it
 * for a measurement.
 */
export function renderColdStartChart(results: BenchmarkResults): string {
  const keys = Object.keys(results.targets);
  const where = results.backend === 'aws' ? 'AWS Lambda' : 'local Lambda service';
  const groups: BarGroup[] = [
    { name: results.backend === 'aws' ? 'Init Duration (REPORT)' : 'Init Duration measured here', bars: keys.map((k) => ({ label: k, stats: results.targets[k].cold.initMs })) },
  ];
  if (results.backend === 'local') {
    for (const arch of ['x86_64', 'arm64'] as const) {
      const bars: BarSeries[] = [];
      for (const k of keys) {
        const p = results.targets[k].predictedAws?.[arch];
        if (p) bars.push({ label: k, stats: null, estimate: { p50: p.p50Ms, low: p.interval95.low, high: p.interval95.high, note: `LOO ±${formatNumber(p.validation.looMedianAbsErrorPct)} %` } });
      }
      if (bars.length > 0) groups.push({ name: `Predicted AWS Init Duration, ${arch}`, bars });
    }
  }
  groups.push({ name: 'Round trip seen by the client', bars: keys.map((k) => ({ label: k, stats: results.targets[k].cold.roundTripMs })) });
  return renderBarChart({
    title: 'Cold start: Init Duration and client round trip',
    subtitle: `${where}; ${results.config.coldStarts} forced cold starts per function`,
    unit: 'ms',
    groups,
  });
}

export interface DistributionSeries {
  label: string;
  values: readonly number[];
}

export interface DistributionChartSpec {
  title: string;
  subtitle?: string;
  unit: string;
  series: DistributionSeries[];
  /** Seed of the vertical jitter of the points, so the same data draws the same picture. */
  seed?: number;
}

/** A linear scale over [min, max] widened to round tick steps (1, 2 or 5 × 10^k). */
export class LinearScale {
  readonly lo: number;
  readonly hi: number;
  readonly step: number;
  constructor(
    values: readonly number[],
    private readonly x0: number,
    private readonly x1: number,
    tickCount = 5,
  ) {
    let min = Math.min(...values);
    let max = Math.max(...values);
    if (!Number.isFinite(min) || !Number.isFinite(max)) {
      min = 0;
      max = 1;
    }
    if (max === min) {
      const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
      min -= pad;
      max += pad;
    }
    const raw = (max - min) / tickCount;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) as number;
    this.step = step;
    this.lo = Math.floor(min / step) * step;
    this.hi = Math.ceil(max / step) * step;
  }
  x(v: number): number {
    return this.x0 + ((v - this.lo) / (this.hi - this.lo)) * (this.x1 - this.x0);
  }
  ticks(): number[] {
    const out: number[] = [];
    const count = Math.round((this.hi - this.lo) / this.step);
    for (let i = 0; i <= count; i++) out.push(Number((this.lo + i * this.step).toPrecision(12)));
    return out;
  }
}

/**
 * Every sample as a dot (jittered vertically) over a box from p25 to p75 with the median marked.
 * Each row has its own linear axis: the point is the shape of each function's distribution
 * (spread, outliers, several modes), which a shared axis spanning 20 ms to 4,000 ms would flatten.
 * The comparison between functions is the bar chart's job.
 */
export function renderDistributionChart(spec: DistributionChartSpec): string {
  const width = 860;
  const left = 170;
  const right = 40;
  const rowHeight = 104;
  const top = spec.subtitle ? 64 : 48;
  const height = top + Math.max(1, spec.series.length) * rowHeight + 40;
  const random = mulberry32(spec.seed ?? 7);
  const body: string[] = [
    text(16, 26, spec.title, 'font-size="16" font-weight="bold" fill="#111"'),
    ...(spec.subtitle ? [text(16, 46, spec.subtitle, 'font-size="12" fill="#555"')] : []),
  ];
  spec.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length];
    const rowTop = top + i * rowHeight;
    const mid = rowTop + 34;
    const axisY = rowTop + 66;
    body.push(text(left - 10, mid, series.label, 'font-size="12" text-anchor="end" fill="#111"'));
    body.push(text(left - 10, mid + 15, `n=${series.values.length}`, 'font-size="11" text-anchor="end" fill="#555"'));
    if (series.values.length === 0) {
      body.push(text(left + 6, mid + 4, 'no successful samples', 'font-size="12" fill="#a00"'));
      return;
    }
    const scale = new LinearScale(series.values, left + 6, width - right - 6);
    body.push(`<line x1="${left}" y1="${num(axisY)}" x2="${width - right}" y2="${num(axisY)}" stroke="#999" stroke-width="1"/>`);
    for (const t of scale.ticks()) {
      const x = scale.x(t);
      body.push(`<line x1="${num(x)}" y1="${num(rowTop + 6)}" x2="${num(x)}" y2="${num(axisY + 4)}" stroke="#e5e5e5" stroke-width="1"/>`);
      body.push(text(x, axisY + 17, formatNumber(t), 'font-size="11" text-anchor="middle" fill="#333"'));
    }
    body.push(text(width - right, axisY + 31, spec.unit, 'font-size="11" text-anchor="end" fill="#333"'));
    const sorted = Float64Array.from(series.values).sort();
    const q1 = quantileSorted(sorted, 0.25);
    const q2 = quantileSorted(sorted, 0.5);
    const q3 = quantileSorted(sorted, 0.75);
    body.push(`<rect x="${num(scale.x(q1))}" y="${num(mid - 20)}" width="${num(Math.max(1, scale.x(q3) - scale.x(q1)))}" height="40" fill="${color}" fill-opacity="0.12" stroke="${color}" stroke-width="1"/>`);
    body.push(`<line x1="${num(scale.x(q2))}" y1="${num(mid - 24)}" x2="${num(scale.x(q2))}" y2="${num(mid + 24)}" stroke="#111" stroke-width="2"/>`);
    for (const v of series.values) {
      const jitter = (random() - 0.5) * 30;
      body.push(`<circle cx="${num(scale.x(v))}" cy="${num(mid + jitter)}" r="2.6" fill="${color}" fill-opacity="0.55"/>`);
    }
    body.push(text(scale.x(q2) + 4, mid - 26, `median ${formatNumber(q2)} ${spec.unit}`, 'font-size="11" fill="#111"'));
  });
  body.push(
    text(16, height - 12, 'Dots: every successful sample. Box: p25 to p75. Dark line: median. Each row has its own linear axis.', 'font-size="11" fill="#555"'),
  );
  return svgDocument(width, height, spec.title, body);
}
