import { COLORS, escapeXml, formatTick, LogScale, num, svgDocument, text } from '../benchmark/render-svg';
import type { Comparison, Verdict } from './compare-runs';
import { formatPercent, formatWithUnit } from './format';
import type { History } from './history';
import { METRICS, metricByKey, type MetricKey } from './metrics';

/**
 * compare.md's charts, drawn with lib/benchmark/render-svg.ts's helpers (document, text, colours, log
 * scale): the change of every p50 with its interval, and the history of p50s across runs.
 */

const VERDICT_COLOR: Record<Verdict, string> = {
  slower: '#d62728',
  higher: '#d62728',
  faster: '#2ca02c',
  lower: '#2ca02c',
  'not established': '#7f7f7f',
};

/** Ratios a change axis may be ticked at (candidate / baseline). */
const RATIO_TICKS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2, 3, 5, 10, 20, 50, 100, 200];

/**
 * Every target's p50 change per metric as candidate / baseline on a log axis (a halving and a doubling
 * lie equally far from 1): the dot is the change, the bar its 95 % interval, the grey band the noise
 * threshold, coloured by verdict.
 */
export function renderChangeChart(c: Comparison): string {
  const rows = c.targets.flatMap((t) =>
    t.changes.filter((ch) => ch.percentile === 'p50' && ch.relativeCi95 && ch.relative !== null).map((ch) => ({ target: t.target, ch })),
  );
  const width = 860;
  const left = 250;
  const right = 170;
  const rowHeight = 24;
  const top = 70;
  const height = top + Math.max(1, rows.length) * rowHeight + 60;
  const ratios = rows.flatMap(({ ch }) => [1 + ch.relativeCi95![0], 1 + ch.relativeCi95![1]]).filter((r) => r > 0);
  const lnLo = Math.min(Math.log(1 / 1.2), ...ratios.map((r) => Math.log(r))) - 0.05;
  const lnHi = Math.max(Math.log(1.2), ...ratios.map((r) => Math.log(r))) + 0.05;
  const x = (ratio: number) => left + ((Math.log(Math.max(ratio, 1e-6)) - lnLo) / (lnHi - lnLo)) * (width - left - right);
  const bottom = top + rows.length * rowHeight;
  const body: string[] = [
    text(16, 26, `p50 change, ${c.candidate.label} against ${c.baseline.label}`, 'font-size="16" font-weight="bold" fill="#111"'),
    text(16, 46, `${c.likeForLike.kind}; dot: change, bar: 95 % bootstrap interval, band: the ±${formatPercent(c.noiseThreshold, false)} noise threshold`, 'font-size="12" fill="#555"'),
    `<rect x="${num(x(1 - c.noiseThreshold))}" y="${top - 6}" width="${num(x(1 + c.noiseThreshold) - x(1 - c.noiseThreshold))}" height="${num(bottom - top + 12)}" fill="#000" fill-opacity="0.06"/>`,
  ];
  // Ticks that fit: 0 first, then each other one at least 44 px from those already placed.
  const placed: number[] = [1];
  for (const r of RATIO_TICKS.filter((t) => t !== 1 && Math.log(t) >= lnLo && Math.log(t) <= lnHi)) {
    if (placed.every((q) => Math.abs(x(q) - x(r)) >= 44)) placed.push(r);
  }
  for (const tick of placed) {
    const tx = x(tick);
    body.push(`<line x1="${num(tx)}" y1="${top - 6}" x2="${num(tx)}" y2="${num(bottom + 6)}" stroke="${tick === 1 ? '#333' : '#e5e5e5'}" stroke-width="1"/>`);
    body.push(text(tx, bottom + 22, tick === 1 ? '0' : formatPercent(tick - 1), 'font-size="11" text-anchor="middle" fill="#333"'));
  }
  body.push(text((left + width - right) / 2, bottom + 40, 'change of the p50 (log scale of candidate / baseline)', 'font-size="12" text-anchor="middle" fill="#333"'));
  rows.forEach(({ target, ch }, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    const color = VERDICT_COLOR[ch.verdict];
    const [lo, hi] = ch.relativeCi95!;
    body.push(text(left - 10, y + 4, `${target} · ${metricByKey(ch.metric).label}`, 'font-size="12" text-anchor="end" fill="#111"'));
    body.push(`<line x1="${num(x(1 + lo))}" y1="${num(y)}" x2="${num(x(1 + hi))}" y2="${num(y)}" stroke="${color}" stroke-width="5" stroke-opacity="0.6"/>`);
    body.push(`<circle cx="${num(x(1 + ch.relative!))}" cy="${num(y)}" r="4" fill="${color}"/>`);
    body.push(text(width - right + 8, y + 4, `${formatPercent(ch.relative)} ${ch.verdict}`, `font-size="11" fill="${color}"`));
  });
  if (rows.length === 0) body.push(text(left, top + 14, 'no change could be computed (no samples in one of the runs)', 'font-size="12" fill="#a00"'));
  return svgDocument(width, height, `p50 change, ${c.candidate.label} against ${c.baseline.label}`, body);
}

export function historyChartName(metric: MetricKey): string {
  return `history-${metric}.svg`;
}

/** The metrics the history draws: the two the benchmark is about (the table has every metric). */
export const HISTORY_CHART_METRICS: readonly MetricKey[] = ['init', 'warm'];

/**
 * One metric's p50 per target across the runs in time order, on a log axis (targets span orders of
 * magnitude): a line per target, a dot per run, the 95 % interval of each p50 as a whisker.
 */
export function renderHistoryChart(history: History, metricKey: MetricKey): string {
  const metric = METRICS.find((m) => m.key === metricKey)!;
  const series = history.series.filter((s) => s.metric === metricKey);
  const width = 860;
  const left = 80;
  const right = 190;
  const top = 60;
  const plotHeight = 300;
  const bottom = top + plotHeight;
  const height = bottom + 50;
  const values = series.flatMap((s) => s.points.flatMap((p) => (p && p.p50 !== null ? [p.p50, ...(p.ci95 ?? [])] : [])));
  const scale = new LogScale(values, bottom, top);
  const runs = history.runs;
  const xOf = (i: number) => left + (runs.length === 1 ? 0.5 : i / (runs.length - 1)) * (width - left - right);
  const title = `${metric.label} p50 across ${runs.length} runs`;
  const body: string[] = [
    text(16, 26, title, 'font-size="16" font-weight="bold" fill="#111"'),
    text(16, 46, 'in time order; whiskers: 95 % bootstrap interval of each p50; hollow dots: AWS runs', 'font-size="12" fill="#555"'),
  ];
  for (const t of scale.ticks()) {
    const y = scale.x(t.value);
    body.push(`<line x1="${left}" y1="${num(y)}" x2="${width - right}" y2="${num(y)}" stroke="${t.major ? '#bbb' : '#eee'}" stroke-width="1"/>`);
    body.push(text(left - 8, y + 4, formatTick(t.value), 'font-size="11" text-anchor="end" fill="#333"'));
  }
  body.push(text(16, top + plotHeight / 2, `${metric.unit} (log)`, `font-size="12" fill="#333" transform="rotate(-90 16 ${top + plotHeight / 2})" text-anchor="middle"`));
  runs.forEach((r, i) => {
    const x = xOf(i);
    body.push(`<line x1="${num(x)}" y1="${bottom}" x2="${num(x)}" y2="${bottom + 5}" stroke="#333"/>`);
    body.push(text(x, bottom + 20, r.startedAt.replace('T', ' ').slice(5, 16), 'font-size="10" text-anchor="middle" fill="#333"'));
    body.push(text(x, bottom + 34, r.label.length > 18 ? `${r.label.slice(0, 17)}…` : r.label, 'font-size="10" text-anchor="middle" fill="#555"'));
  });
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    const pts = s.points.map((p, i) => (p && p.p50 !== null ? { x: xOf(i), p } : null)).filter((v): v is NonNullable<typeof v> => v !== null);
    if (pts.length > 1) body.push(`<polyline points="${pts.map((q) => `${num(q.x)},${num(scale.x(q.p.p50!))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    for (const q of pts) {
      if (q.p.ci95) body.push(`<line x1="${num(q.x)}" y1="${num(scale.x(q.p.ci95[0]))}" x2="${num(q.x)}" y2="${num(scale.x(q.p.ci95[1]))}" stroke="${color}" stroke-width="2"/>`);
      const aws = q.p.backend === 'aws';
      body.push(`<circle cx="${num(q.x)}" cy="${num(scale.x(q.p.p50!))}" r="4" fill="${aws ? '#fff' : color}" stroke="${color}" stroke-width="1.5"><title>${escapeXml(`${s.target}: ${formatWithUnit(q.p.p50, metric.unit)} (${q.p.ci95 ? `${formatWithUnit(q.p.ci95[0], metric.unit)} to ${formatWithUnit(q.p.ci95[1], metric.unit)}` : 'no interval'}), n=${q.p.n}`)}</title></circle>`);
    }
    body.push(`<rect x="${width - right + 16}" y="${top + k * 18}" width="10" height="10" fill="${color}"/>`);
    body.push(text(width - right + 32, top + k * 18 + 9, s.target, 'font-size="11" fill="#111"'));
  });
  return svgDocument(width, height, title, body);
}
