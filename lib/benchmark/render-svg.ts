import { mulberry32, quantileSorted } from './statistics';
import { boxesOverlap, CHART_FONT_FAMILY, textBox, textWidth, wrapToWidth, type TextBox } from './svg-text';
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

export const FONT = `font-family="${CHART_FONT_FAMILY}"`;
/** One colour per series; eight, so that the seven ladder targets never share one. */
export const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];

/**
 * Each target's colour in every chart of a run: given in the order the results list the targets, a
 * configuration at another memory size (`<target>-<size>mb`) taking its target's colour.
 */
export function targetColors(results: BenchmarkResults): (key: string) => string {
  const byTarget = new Map<string, string>();
  for (const [key, t] of Object.entries(results.targets)) {
    const target = t.ladderTarget ?? key;
    if (!byTarget.has(target)) byTarget.set(target, COLORS[byTarget.size % COLORS.length]);
  }
  return (key) => byTarget.get(results.targets[key]?.ladderTarget ?? key) ?? COLORS[COLORS.length - 1];
}

/** A label column's lines are at most this wide; a longer label (a 64-character name) wraps. */
export const LABEL_MAX_WIDTH = 200;
/** Line spacing of wrapped labels, px. */
export const LABEL_LINE_HEIGHT = 15;

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

/** A label's lines, each its own `<text>`, centred on `mid` (the baseline offset puts a one-line label where a plain one sat). */
export function labelLines(x: number, mid: number, lines: readonly string[], attrs: string): string[] {
  const first = mid + 4 - ((lines.length - 1) * LABEL_LINE_HEIGHT) / 2;
  return lines.map((line, i) => text(x, first + i * LABEL_LINE_HEIGHT, line, attrs));
}

/** The widest of some texts at one size, px. */
export function widestText(contents: readonly string[], fontSize: number, bold = false): number {
  return Math.max(0, ...contents.map((c) => textWidth(c, fontSize, bold)));
}

/** Footnote lines at 11 px, wrapped to the chart's width. */
export function footnoteLines(notes: readonly string[], width: number): string[] {
  return notes.flatMap((n) => wrapToWidth(n, width - 32, 11, false, 'words'));
}

/**
 * Tick labels of a log axis at 11 px under `bottom`: every decade, and a 2× or 5× one only where it
 * stays clear of the labels already placed (on a short axis they would run into each other).
 */
export function logAxisLabels(scale: LogScale, bottom: number): string[] {
  const placed: TextBox[] = [];
  const parts: string[] = [];
  const ticks = scale.ticks();
  for (const t of [...ticks.filter((t) => t.major), ...ticks.filter((t) => !t.major)]) {
    const x = scale.x(t.value);
    const label = formatTick(t.value);
    const box = textBox(x, bottom + 16, label, 11, 'middle');
    if (placed.some((p) => boxesOverlap(p, { ...box, x0: box.x0 - 3, x1: box.x1 + 3 }))) continue;
    placed.push(box);
    parts.push(text(x, bottom + 16, label, 'font-size="11" text-anchor="middle" fill="#333"'));
  }
  return parts;
}

function axis(scale: LogScale, top: number, bottom: number, unit: string): string[] {
  const parts: string[] = [];
  for (const t of scale.ticks()) {
    const x = scale.x(t.value);
    parts.push(`<line x1="${num(x)}" y1="${num(top)}" x2="${num(x)}" y2="${num(bottom)}" stroke="${t.major ? '#bbb' : '#e5e5e5'}" stroke-width="1"/>`);
  }
  parts.push(...logAxisLabels(scale, bottom));
  parts.push(text((scale.x(scale.lo) + scale.x(scale.hi)) / 2, bottom + 34, `${unit} (log scale)`, 'font-size="12" text-anchor="middle" fill="#333"'));
  return parts;
}

export function svgDocument(width: number, height: number, title: string, body: string[]): string {
  // Whole pixels: a layout's sums of row heights would otherwise print as 674.1999999999999.
  [width, height] = [Math.ceil(width), Math.ceil(height)];
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
  estimate?: { p50: number; low: number; high: number; note: string; /** The interval's level as printed, e.g. "90 %". */ level?: string };
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
  /** Each bar's colour by its label (targetColors); default: a colour per label in order of appearance. */
  colorOf?: (label: string) => string;
}

/** The plot's width in the bar charts, px; the label and value columns around it take what their text needs. */
const BAR_PLOT_WIDTH = 440;

/**
 * Horizontal p50 bars with the spread drawn over them: a thin line from min to max, ticks at p90
 * and p99, and the numbers (with n) written beside each bar. The label column is as wide as its
 * widest label (a longer one wraps), the value column as its widest text, and the notes wrap to the
 * chart's width, so that every text lies inside the picture whatever the targets are called.
 */
export function renderBarChart(spec: BarChartSpec): string {
  const rowHeight = 34;
  const top = spec.subtitle ? 64 : 48;
  const bars = spec.groups.flatMap((g) => g.bars);
  const labels = new Map(bars.map((b) => [b.label, wrapToWidth(b.label, LABEL_MAX_WIDTH, 12)]));
  const valueOf = (bar: BarSeries): string | null => {
    if (bar.estimate) return `p50 ${formatNumber(bar.estimate.p50)} (${bar.estimate.level ?? '95 %'} ${formatNumber(bar.estimate.low)}–${formatNumber(bar.estimate.high)}) ${bar.estimate.note}`;
    return bar.stats ? `p50 ${formatNumber(bar.stats.p50)} · p90 ${formatNumber(bar.stats.p90)} · p99 ${formatNumber(bar.stats.p99)} (n=${bar.stats.n})` : null;
  };
  const barHeight = (bar: BarSeries) => Math.max(rowHeight, (labels.get(bar.label)?.length ?? 1) * LABEL_LINE_HEIGHT + 8);
  const left = Math.ceil(Math.max(120, widestText([...labels.values()].flat(), 12) + 26));
  const plotRight = left + BAR_PLOT_WIDTH;
  const width = Math.ceil(
    Math.max(
      plotRight + 20 + widestText(bars.map(valueOf).filter((v): v is string => v !== null), 11),
      32 + textWidth(spec.title, 16, true),
      32 + widestText(spec.subtitle ? [spec.subtitle] : [], 12),
      32 + widestText(spec.groups.map((g) => g.name), 13, true),
    ),
  );
  const plotBottom = spec.groups.reduce((y, g) => y + rowHeight + (g.bars.length === 0 ? rowHeight : g.bars.reduce((h, b) => h + barHeight(b), 0)), top);
  const all = bars.flatMap((b) => [...(b.stats ? [b.stats.min, b.stats.max, b.stats.p50] : []), ...(b.estimate ? [b.estimate.low, b.estimate.high, b.estimate.p50] : [])]);
  const scale = new LogScale(all, left, plotRight);
  const body: string[] = [
    text(16, 26, spec.title, 'font-size="16" font-weight="bold" fill="#111"'),
    ...(spec.subtitle ? [text(16, 46, spec.subtitle, 'font-size="12" fill="#555"')] : []),
    ...axis(scale, top, plotBottom, spec.unit),
  ];
  const hasEstimates = bars.some((b) => b.estimate);
  if (hasEstimates) {
    body.push(
      '<defs><pattern id="predicted" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
        '<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="3"/></pattern></defs>',
    );
  }
  let y = top;
  const inOrder = new Map<string, string>();
  const colorOf = (label: string) => {
    if (spec.colorOf) return spec.colorOf(label);
    if (!inOrder.has(label)) inOrder.set(label, COLORS[inOrder.size % COLORS.length]);
    return inOrder.get(label) as string;
  };
  for (const group of spec.groups) {
    body.push(text(16, y + 22, group.name, 'font-size="13" font-weight="bold" fill="#111"'));
    y += rowHeight;
    for (const bar of group.bars) {
      const color = colorOf(bar.label);
      const h = barHeight(bar);
      const mid = y + h / 2;
      const target = `data-target="${escapeXml(bar.label)}"`;
      body.push(...labelLines(left - 10, mid, labels.get(bar.label) ?? [bar.label], 'font-size="12" text-anchor="end" fill="#111"'));
      const value = valueOf(bar);
      const e = bar.estimate;
      const s = bar.stats;
      const x0 = scale.x(scale.lo);
      if (e) {
        body.push(`<rect x="${num(x0)}" y="${num(mid - 9)}" width="${num(Math.max(1, scale.x(e.p50) - x0))}" height="18" fill="url(#predicted)" stroke="${color}" stroke-width="1.5" ${target}/>`);
        const [xl, xh] = [scale.x(e.low), scale.x(e.high)];
        body.push(`<line x1="${num(xl)}" y1="${num(mid)}" x2="${num(xh)}" y2="${num(mid)}" stroke="#222" stroke-width="1.2" stroke-dasharray="4 2"/>`);
        for (const x of [xl, xh]) body.push(`<line x1="${num(x)}" y1="${num(mid - 7)}" x2="${num(x)}" y2="${num(mid + 7)}" stroke="#222" stroke-width="1.5"/>`);
      } else if (s) {
        body.push(`<rect x="${num(x0)}" y="${num(mid - 9)}" width="${num(Math.max(1, scale.x(s.p50) - x0))}" height="18" fill="${color}" fill-opacity="0.75" ${target}/>`);
        body.push(`<line x1="${num(scale.x(s.min))}" y1="${num(mid)}" x2="${num(scale.x(s.max))}" y2="${num(mid)}" stroke="#222" stroke-width="1.2"/>`);
        for (const [v, tick] of [[s.p90, 6], [s.p99, 10]] as const) {
          const x = scale.x(v);
          body.push(`<line x1="${num(x)}" y1="${num(mid - tick)}" x2="${num(x)}" y2="${num(mid + tick)}" stroke="#222" stroke-width="2"/>`);
        }
      } else {
        body.push(text(left + 6, mid + 4, 'no successful samples', 'font-size="12" fill="#a00"'));
      }
      if (value) body.push(text(plotRight + 10, mid + 4, value, 'font-size="11" fill="#111"'));
      y += h;
    }
    if (group.bars.length === 0) y += rowHeight;
  }
  const notes = footnoteLines(
    [
      'Bar: p50. Line: min to max. Short tick: p90. Long tick: p99. Percentiles by linear interpolation (type 7).',
      ...(hasEstimates ? ['Hatched bar: predicted p50 (model, not measured). Dashed bracket: its prediction interval. family-out / version-out: the median error of the validation that sizes it (a whole family, or one version, left out).'] : []),
    ],
    width,
  );
  notes.forEach((line, i) => body.push(text(16, plotBottom + 56 + i * 16, line, 'font-size="11" fill="#555"')));
  return svgDocument(width, plotBottom + 56 + (notes.length - 1) * 16 + 12, spec.title, body);
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
        if (p) bars.push({ label: k, stats: null, estimate: { p50: p.p50Ms, low: p.interval.low, high: p.interval.high, level: `${Math.round(p.interval.level * 100)} %`, note: `${p.validation.kind === 'leave-one-family-out' ? 'family-out' : 'version-out'} ±${formatNumber(p.validation.medianAbsErrorPct)} %` } });
      }
      if (bars.length > 0) groups.push({ name: `Predicted AWS Init Duration, ${arch}`, bars });
    }
  }
  groups.push({ name: 'Round trip seen by the client', bars: keys.map((k) => ({ label: k, stats: results.targets[k].cold.roundTripMs })) });
  return renderBarChart({
    title: 'Cold start: Init Duration and client round trip',
    colorOf: targetColors(results),
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
  /** Each row's colour by its label (targetColors); default: a colour per row in order. */
  colorOf?: (label: string) => string;
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
 * The comparison between functions is the bar chart's job. The label column is as wide as its widest
 * label (a longer one wraps, and its row grows to hold it).
 */
export function renderDistributionChart(spec: DistributionChartSpec): string {
  const plotWidth = 650;
  const right = 40;
  const top = spec.subtitle ? 64 : 48;
  const labels = spec.series.map((s) => wrapToWidth(s.label, LABEL_MAX_WIDTH, 12));
  const left = Math.ceil(Math.max(120, widestText(labels.flat(), 12) + 26));
  const width = Math.ceil(Math.max(left + plotWidth + right, 32 + textWidth(spec.title, 16, true), 32 + widestText(spec.subtitle ? [spec.subtitle] : [], 12)));
  const rowHeights = labels.map((lines) => Math.max(104, 55 + (lines.length - 1) * LABEL_LINE_HEIGHT));
  const plotTop = top;
  const rowsBottom = rowHeights.reduce((y, h) => y + h, plotTop) + (spec.series.length === 0 ? 104 : 0);
  const random = mulberry32(spec.seed ?? 7);
  const body: string[] = [
    text(16, 26, spec.title, 'font-size="16" font-weight="bold" fill="#111"'),
    ...(spec.subtitle ? [text(16, 46, spec.subtitle, 'font-size="12" fill="#555"')] : []),
  ];
  let rowTop = plotTop;
  spec.series.forEach((series, i) => {
    const color = spec.colorOf?.(series.label) ?? COLORS[i % COLORS.length];
    const mid = rowTop + 34;
    const axisY = rowTop + 66;
    const lines = labels[i];
    const firstLine = lines.length === 1 ? mid : rowTop + 20;
    lines.forEach((line, k) => body.push(text(left - 10, firstLine + k * LABEL_LINE_HEIGHT, line, 'font-size="12" text-anchor="end" fill="#111"')));
    body.push(text(left - 10, firstLine + (lines.length - 1) * LABEL_LINE_HEIGHT + 15, `n=${series.values.length}`, 'font-size="11" text-anchor="end" fill="#555"'));
    const top0 = rowTop;
    rowTop += rowHeights[i];
    if (series.values.length === 0) {
      body.push(text(left + 6, mid + 4, 'no successful samples', 'font-size="12" fill="#a00"'));
      return;
    }
    const scale = new LinearScale(series.values, left + 6, left + plotWidth - 6);
    body.push(`<line x1="${left}" y1="${num(axisY)}" x2="${left + plotWidth}" y2="${num(axisY)}" stroke="#999" stroke-width="1"/>`);
    for (const t of scale.ticks()) {
      const x = scale.x(t);
      body.push(`<line x1="${num(x)}" y1="${num(top0 + 6)}" x2="${num(x)}" y2="${num(axisY + 4)}" stroke="#e5e5e5" stroke-width="1"/>`);
      body.push(text(x, axisY + 17, formatNumber(t), 'font-size="11" text-anchor="middle" fill="#333"'));
    }
    body.push(text(left + plotWidth, axisY + 31, spec.unit, 'font-size="11" text-anchor="end" fill="#333"'));
    const sorted = Float64Array.from(series.values).sort();
    const q1 = quantileSorted(sorted, 0.25);
    const q2 = quantileSorted(sorted, 0.5);
    const q3 = quantileSorted(sorted, 0.75);
    const target = `data-target="${escapeXml(series.label)}"`;
    body.push(`<rect x="${num(scale.x(q1))}" y="${num(mid - 20)}" width="${num(Math.max(1, scale.x(q3) - scale.x(q1)))}" height="40" fill="${color}" fill-opacity="0.12" stroke="${color}" stroke-width="1" ${target}/>`);
    body.push(`<line x1="${num(scale.x(q2))}" y1="${num(mid - 24)}" x2="${num(scale.x(q2))}" y2="${num(mid + 24)}" stroke="#111" stroke-width="2"/>`);
    for (const v of series.values) {
      const jitter = (random() - 0.5) * 30;
      body.push(`<circle cx="${num(scale.x(v))}" cy="${num(mid + jitter)}" r="2.6" fill="${color}" fill-opacity="0.55" ${target}/>`);
    }
    // Beside the median line, on whichever side has room for it.
    const median = `median ${formatNumber(q2)} ${spec.unit}`;
    const toTheRight = scale.x(q2) + 4 + textWidth(median, 11) <= width - 4;
    body.push(text(toTheRight ? scale.x(q2) + 4 : scale.x(q2) - 4, mid - 26, median, `font-size="11" fill="#111"${toTheRight ? '' : ' text-anchor="end"'}`));
  });
  const notes = footnoteLines(['Dots: every successful sample. Box: p25 to p75. Dark line: median. Each row has its own linear axis.'], width);
  notes.forEach((line, i) => body.push(text(16, rowsBottom + 28 + i * 16, line, 'font-size="11" fill="#555"')));
  return svgDocument(width, rowsBottom + 28 + (notes.length - 1) * 16 + 12, spec.title, body);
}
