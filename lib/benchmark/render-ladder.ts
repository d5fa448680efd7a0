/**
 * The cold-start ladder in a run's report: which step of the ladder (lib/targets/registry.ts) costs what.
 *
 * - ladder.svg: cold-start Init Duration p50 per target on a log scale, with p90 and the 95 % bootstrap
 *   interval of the p50, and on a local run the predicted AWS x86_64 p50 with its interval beside it;
 * - the step table: targets ordered by Init Duration p50, each row what it adds over the row below it
 *   (Init ms, Max Memory MB, package bytes, cost per 1M invocations at the run's cold-start share);
 * - with several memory sizes, memory.svg: warm Duration p50 and cost per 1M against memory, per target.
 *
 * The ladder's steps are the configurations at each target's own memory size (the keys without a
 * memory suffix); the memory sizes are the configurations of each target.
 */
import { escapeXml, footnoteLines, formatNumber, formatTick, LABEL_LINE_HEIGHT, LABEL_MAX_WIDTH, labelLines, logAxisLabels, LogScale, num, svgDocument, targetColors, text, widestText } from './render-svg';
import { boxesOverlap, textBox, textWidth, wrapToWidth, type TextBox } from './svg-text';
import type { BenchmarkResults, TargetResults } from './types';

export const LADDER_FILE_NAMES = Object.freeze({ ladderChart: 'ladder.svg', memoryChart: 'memory.svg' });

/** The ladder's steps: configurations at their target's own size, fastest cold start first (no sample last). */
export function ladderSteps(results: BenchmarkResults): { key: string; t: TargetResults }[] {
  return Object.entries(results.targets)
    .filter(([, t]) => t.ladderTarget === undefined)
    .map(([key, t]) => ({ key, t }))
    .sort((a, b) => (a.t.cold.initMs?.p50 ?? Infinity) - (b.t.cold.initMs?.p50 ?? Infinity));
}

/** Each target's configurations by memory size, when the run measured more than one size of any target. */
export function memorySeries(results: BenchmarkResults): { target: string; points: { memorySizeMB: number; key: string; t: TargetResults }[] }[] {
  const byTarget = new Map<string, { memorySizeMB: number; key: string; t: TargetResults }[]>();
  for (const [key, t] of Object.entries(results.targets)) {
    const target = t.ladderTarget ?? key;
    byTarget.set(target, [...(byTarget.get(target) ?? []), { memorySizeMB: t.memorySizeMB, key, t }]);
  }
  const series = [...byTarget.entries()].map(([target, points]) => ({ target, points: points.sort((a, b) => a.memorySizeMB - b.memorySizeMB) }));
  return series.some((s) => s.points.length > 1) ? series : [];
}

function fmt(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}

function signed(v: number | null, unit: string, digits = 2): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toLocaleString('en-US', { maximumFractionDigits: digits })}${unit}`;
}

function diff(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined ? null : a - b;
}

function usd(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : `$${v.toFixed(4)}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The report's ladder section (markdown lines); empty when the run measured fewer than two targets. */
export function renderLadderSection(results: BenchmarkResults): string[] {
  const steps = ladderSteps(results);
  const out: string[] = [];
  const skipped = (results.environment.skippedTargets ?? []) as { target: string; reason: string; command: string }[];
  const series = memorySeries(results);
  // Two targets are the summary's comparison; the ladder is for more, or for what was left out of one.
  if (steps.length <= 2 && skipped.length === 0 && series.length === 0) return out;
  const share = results.cost.coldStartShare;
  out.push('## The ladder: what each step adds', '');
  out.push(
    `Every target serves the same weights (lambda-apr/model/wine.apr) under the same contract (docs/CONTRACT.md), ` +
      `measured the same way. Ordered by cold-start Init Duration p50; each row says what it adds over the row above it. ` +
      `Cost per 1M invocations with ${fmt(share * 100)} % cold starts (lib/benchmark/cost.ts; see "Cost estimate").`,
    '',
  );
  if (steps.length > 2) out.push(`![Cold-start ladder](${LADDER_FILE_NAMES.ladderChart})`, '');
  out.push(
    '| step | runtime, memory | Init Duration p50 (p90) [95 % CI of p50] | adds (ms) | Max Memory Used p50 | adds (MB) | package bytes | adds (bytes) | cost / 1M | adds |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  steps.forEach(({ key, t }, i) => {
    const prev = i > 0 ? steps[i - 1].t : undefined;
    const init = t.cold.initMs;
    const ci = t.p50Ci95?.coldInitMs;
    const cost = results.cost.targets[key]?.perMillion ?? null;
    const prevCost = prev ? (results.cost.targets[steps[i - 1].key]?.perMillion ?? null) : null;
    const initCell = init ? `${fmt(init.p50)} ms (${fmt(init.p90)})${ci ? ` [${fmt(ci[0])}–${fmt(ci[1])}]` : ''}` : 'no sample';
    out.push(
      `| ${cell(key)} | ${cell(t.runtime)}, ${t.memorySizeMB} MB | ${initCell} | ${prev ? signed(diff(init?.p50, prev.cold.initMs?.p50), ' ms') : '(base)'} | ` +
        `${fmt(t.cold.maxMemoryMB?.p50, 0)} MB | ${prev ? signed(diff(t.cold.maxMemoryMB?.p50, prev.cold.maxMemoryMB?.p50), ' MB', 0) : '(base)'} | ` +
        `${t.packageBytes > 0 ? t.packageBytes.toLocaleString('en-US') : 'n/a'} | ${prev && t.packageBytes > 0 && prev.packageBytes > 0 ? signed(t.packageBytes - prev.packageBytes, '', 0) : prev ? 'n/a' : '(base)'} | ` +
        `${usd(cost)} | ${prev ? (cost !== null && prevCost !== null ? `${cost >= prevCost ? '+' : '−'}$${Math.abs(cost - prevCost).toFixed(4)}` : 'n/a') : '(base)'} |`,
    );
  });
  out.push('');
  const packages = steps.filter(({ t }) => t.packageBytes > 0).map(({ key, t }) => `${key}: ${t.packageLabel}`);
  if (packages.length > 0) out.push(`Package bytes are ${packages.join('; ')}.`, '');
  out.push(
    'A difference between two rows is the difference of their p50s; each p50\'s own interval is in brackets (percentile bootstrap). ' +
      'Where two intervals overlap, the order of those two rows is not established by this run.',
    '',
  );
  if (skipped.length > 0) {
    out.push('Not measured here:', '');
    for (const s of skipped) out.push(`- ${cell(s.target)}: ${cell(s.reason)}; build it with \`${s.command}\``);
    out.push('');
  }
  if (series.length > 0) {
    out.push('### Memory sizes', '');
    out.push(
      'Each (target, memory) is its own configuration with its own cold starts; the CPU share follows the memory size after INIT, as Lambda allocates CPU in proportion to memory. ' +
        'Warm Duration p50 with its 95 % interval, and cost per 1M invocations:',
      '',
      `![Warm Duration and cost against memory](${LADDER_FILE_NAMES.memoryChart})`,
      '',
    );
    out.push('| target | memory | configuration | Init Duration p50 | warm Duration p50 [95 % CI] | cost / 1M |', '|---|---:|---|---:|---:|---:|');
    for (const s of series) {
      for (const p of s.points) {
        const w = p.t.warm.durationMs;
        const ci = p.t.p50Ci95?.warmDurationMs;
        out.push(
          `| ${cell(s.target)} | ${p.memorySizeMB} MB | ${cell(p.key)} | ${p.t.cold.initMs ? `${fmt(p.t.cold.initMs.p50)} ms` : 'no sample'} | ` +
            `${w ? `${fmt(w.p50, 3)} ms${ci ? ` [${fmt(ci[0], 3)}–${fmt(ci[1], 3)}]` : ''}` : 'no sample'} | ${usd(results.cost.targets[p.key]?.perMillion)} |`,
        );
      }
    }
    out.push('');
  }
  const skippedSizes = (results.environment.skippedMemorySizes ?? []) as { target: string; memorySizeMB: number; reason: string }[];
  if (skippedSizes.length > 0) {
    out.push('Memory sizes left out:', '');
    for (const s of skippedSizes) out.push(`- ${cell(s.target)} at ${s.memorySizeMB} MB: ${cell(s.reason)}`);
    out.push('');
  }
  return out;
}

/** ladder.svg: per step, the measured Init Duration p50 bar with p90 tick and 95 % bracket; the predicted AWS x86_64 p50 hatched below it. */
export function renderLadderChart(results: BenchmarkResults): string {
  const steps = ladderSteps(results);
  const rowHeight = 26;
  const top = 66;
  const rows = steps.map(({ key, t }) => ({ key, t, predicted: results.backend === 'local' ? t.predictedAws?.x86_64 ?? null : null }));
  // The label column is as wide as its widest label (a longer one wraps and its row grows), the value
  // column right of the plot as its widest text: the chart's width is known once those are written.
  const labels = rows.map(({ key, t }) => wrapToWidth(`${key} (${t.memorySizeMB} MB)`, LABEL_MAX_WIDTH, 12));
  const mainHeight = (i: number) => Math.max(rowHeight, labels[i].length * LABEL_LINE_HEIGHT + 6);
  const left = Math.ceil(Math.max(120, widestText(labels.flat(), 12) + 26));
  const plotRight = left + 440;
  const plotBottom = rows.reduce((y, r, i) => y + mainHeight(i) + (r.predicted ? rowHeight : 0) + rowHeight * 0.4, top);
  const valueWidths: number[] = [];
  const valueText = (y: number, content: string, attrs: string) => {
    valueWidths.push(textWidth(content, 11));
    return text(plotRight + 10, y, content, attrs);
  };
  const values = rows.flatMap(({ t, predicted }) => [
    ...(t.cold.initMs ? [t.cold.initMs.p50, t.cold.initMs.p90] : []),
    ...(t.p50Ci95?.coldInitMs ?? []),
    ...(predicted ? [predicted.p50Ms, predicted.interval.low, predicted.interval.high] : []),
  ]);
  const scale = new LogScale(values, left, plotRight);
  const where = results.backend === 'aws' ? 'AWS Lambda' : 'local Lambda service';
  const title = 'The cold-start ladder: Init Duration p50 per target';
  const subtitle = `${where}; ${results.config.coldStarts} forced cold starts per target; each at its own memory size`;
  const body: string[] = [
    text(16, 26, title, 'font-size="16" font-weight="bold" fill="#111"'),
    text(16, 46, subtitle, 'font-size="12" fill="#555"'),
    '<defs><pattern id="ladder-predicted" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      '<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="3"/></pattern></defs>',
  ];
  for (const tick of scale.ticks()) {
    const x = scale.x(tick.value);
    body.push(`<line x1="${num(x)}" y1="${top}" x2="${num(x)}" y2="${num(plotBottom)}" stroke="${tick.major ? '#bbb' : '#e5e5e5'}" stroke-width="1"/>`);
  }
  body.push(...logAxisLabels(scale, plotBottom));
  body.push(text((scale.x(scale.lo) + scale.x(scale.hi)) / 2, plotBottom + 34, 'Init Duration, ms (log scale)', 'font-size="12" text-anchor="middle" fill="#333"'));
  const x0 = scale.x(scale.lo);
  let y = top;
  const colorOf = targetColors(results);
  rows.forEach(({ key, t, predicted }, i) => {
    const color = colorOf(key);
    const mid = y + mainHeight(i) / 2;
    body.push(...labelLines(left - 10, mid, labels[i], 'font-size="12" text-anchor="end" fill="#111"'));
    const s = t.cold.initMs;
    if (!s) {
      body.push(text(left + 6, mid + 4, 'no cold-start sample', 'font-size="12" fill="#a00"'));
    } else {
      body.push(`<rect x="${num(x0)}" y="${num(mid - 8)}" width="${num(Math.max(1, scale.x(s.p50) - x0))}" height="16" fill="${color}" fill-opacity="0.8" data-target="${escapeXml(key)}"/>`);
      const ci = t.p50Ci95?.coldInitMs;
      if (ci) {
        const [a, b] = [scale.x(ci[0]), scale.x(ci[1])];
        body.push(`<line x1="${num(a)}" y1="${num(mid)}" x2="${num(b)}" y2="${num(mid)}" stroke="#111" stroke-width="1.5"/>`);
        for (const x of [a, b]) body.push(`<line x1="${num(x)}" y1="${num(mid - 6)}" x2="${num(x)}" y2="${num(mid + 6)}" stroke="#111" stroke-width="1.5"/>`);
      }
      const xp90 = scale.x(s.p90);
      body.push(`<path d="M ${num(xp90)} ${num(mid - 10)} l -4 -6 h 8 z" fill="#111"/>`);
      body.push(valueText(mid + 4, `p50 ${formatNumber(s.p50)} ms · p90 ${formatNumber(s.p90)}${ci ? ` · 95 % ${formatNumber(ci[0])}–${formatNumber(ci[1])}` : ''} (n=${s.n})`, 'font-size="11" fill="#111"'));
    }
    y += mainHeight(i);
    if (predicted) {
      const pm = y + rowHeight / 2;
      body.push(text(left - 10, pm + 4, 'predicted AWS', 'font-size="11" text-anchor="end" fill="#555"'));
      body.push(`<rect x="${num(x0)}" y="${num(pm - 7)}" width="${num(Math.max(1, scale.x(predicted.p50Ms) - x0))}" height="14" fill="url(#ladder-predicted)" stroke="${color}" stroke-width="1.5" data-target="${escapeXml(key)}"/>`);
      const [a, b] = [scale.x(predicted.interval.low), scale.x(predicted.interval.high)];
      body.push(`<line x1="${num(a)}" y1="${num(pm)}" x2="${num(b)}" y2="${num(pm)}" stroke="#222" stroke-width="1.2" stroke-dasharray="4 2"/>`);
      for (const x of [a, b]) body.push(`<line x1="${num(x)}" y1="${num(pm - 6)}" x2="${num(x)}" y2="${num(pm + 6)}" stroke="#222" stroke-width="1.2"/>`);
      body.push(valueText(pm + 4, `predicted x86_64 p50 ${formatNumber(predicted.p50Ms)} ms (${Math.round(predicted.interval.level * 100)} % ${formatNumber(predicted.interval.low)}–${formatNumber(predicted.interval.high)})`, 'font-size="11" fill="#555"'));
      y += rowHeight;
    }
    y += rowHeight * 0.4;
  });
  const width = Math.ceil(Math.max(plotRight + 20 + Math.max(0, ...valueWidths), 32 + textWidth(title, 16, true), 32 + textWidth(subtitle, 12)));
  const notes = footnoteLines([
    'Bar: p50 of Init Duration. Bracket: 95 % percentile-bootstrap interval of the p50. Triangle: p90.',
    'Hatched bar: p50 predicted for AWS x86_64 by the fitted model (lib/prediction), not measured; dashed bracket: its prediction interval (level and validation in report.md).',
  ], width);
  notes.forEach((line, i) => body.push(text(16, plotBottom + 56 + i * 16, line, 'font-size="11" fill="#555"')));
  return svgDocument(width, plotBottom + 56 + (notes.length - 1) * 16 + 12, title, body);
}

/**
 * memory.svg: two panels against memory size (log-scaled axes): warm Duration p50 and cost per 1M invocations, one line per target.
 * Each line is named at its right end; names that would run into each other are moved apart, and a long one wraps.
 */
export function renderMemoryChart(results: BenchmarkResults): string {
  const series = memorySeries(results);
  const colorOf = targetColors(results);
  const panelHeight = 260;
  const plotWidth = 630;
  const top = 60;
  const sizes = [...new Set(series.flatMap((s) => s.points.map((p) => p.memorySizeMB)))].sort((a, b) => a - b);
  const panels: { title: string; unit: string; value: (key: string, t: TargetResults) => number | null }[] = [
    { title: 'warm Duration p50', unit: 'ms', value: (_k, t) => t.warm.durationMs?.p50 ?? null },
    { title: 'cost per 1M invocations', unit: 'USD', value: (k) => results.cost.targets[k]?.perMillion ?? null },
  ];
  const panelScales = panels.map((panel, pi) => {
    const pTop = top + pi * panelHeight + 10;
    const pBottom = pTop + panelHeight - 50;
    const values = series.flatMap((s) => s.points.map((p) => panel.value(p.key, p.t))).filter((v): v is number => v !== null && v > 0);
    // A vertical log scale: LogScale maps onto [pBottom, pTop].
    return { pTop, pBottom, scale: new LogScale(values, pBottom, pTop) };
  });
  const tickLabels = panelScales.flatMap(({ scale }) => scale.ticks().map((t) => formatTick(t.value)));
  const left = Math.ceil(Math.max(80, widestText(tickLabels, 10) + 16));
  const plotRight = left + plotWidth;
  const names = new Map(series.map((s) => [s.target, wrapToWidth(s.target, MEMORY_LABEL_MAX_WIDTH, 11)]));
  const subtitle = `${results.backend === 'aws' ? 'AWS Lambda' : 'local Lambda service'}; p50 of ${results.config.warmInvocations} warm invocations per configuration; cost at ${fmt(results.cost.coldStartShare * 100)} % cold starts`;
  const title = 'Warm Duration and cost against memory size';
  const width = Math.ceil(Math.max(plotRight + 18 + widestText([...names.values()].flat(), 11), 32 + textWidth(title, 16, true), 32 + textWidth(subtitle, 12)));
  const xOf = (mb: number) => left + (sizes.length <= 1 ? 0.5 : sizes.indexOf(mb) / (sizes.length - 1)) * plotWidth;
  const body: string[] = [
    text(16, 26, title, 'font-size="16" font-weight="bold" fill="#111"'),
    text(16, 46, subtitle, 'font-size="12" fill="#555"'),
  ];
  panels.forEach((panel, pi) => {
    const { pTop, pBottom, scale } = panelScales[pi];
    body.push(text(left, pTop - 4, `${panel.title} (${panel.unit}, log scale)`, 'font-size="12" font-weight="bold" fill="#111"'));
    const placed: TextBox[] = [];
    for (const tick of [...scale.ticks()].sort((a, b) => Number(b.major) - Number(a.major))) {
      const yv = scale.x(tick.value);
      body.push(`<line x1="${left}" y1="${num(yv)}" x2="${plotRight}" y2="${num(yv)}" stroke="${tick.major ? '#bbb' : '#eee'}" stroke-width="1"/>`);
      // A 2× or 5× label only where it stays clear of the others.
      const box = textBox(left - 6, yv + 4, formatTick(tick.value), 10, 'end');
      if (placed.some((p) => boxesOverlap(p, { ...box, y0: box.y0 - 2, y1: box.y1 + 2 }))) continue;
      placed.push(box);
      body.push(text(left - 6, yv + 4, formatTick(tick.value), 'font-size="10" text-anchor="end" fill="#333"'));
    }
    for (const mb of sizes) body.push(text(xOf(mb), pBottom + 16, `${mb} MB`, 'font-size="10" text-anchor="middle" fill="#333"'));
    const ends: { target: string; lines: string[]; want: number; color: string }[] = [];
    for (const s of series) {
      const color = colorOf(s.target);
      const pts = s.points.map((p) => ({ mb: p.memorySizeMB, v: panel.value(p.key, p.t) })).filter((p): p is { mb: number; v: number } => p.v !== null && p.v > 0);
      if (pts.length === 0) continue;
      const target = `data-target="${escapeXml(s.target)}"`;
      body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${num(xOf(p.mb))},${num(scale.x(p.v))}`).join(' ')}" ${target}/>`);
      for (const p of pts) body.push(`<circle cx="${num(xOf(p.mb))}" cy="${num(scale.x(p.v))}" r="3" fill="${color}" ${target}/>`);
      ends.push({ target: s.target, lines: names.get(s.target) ?? [s.target], want: scale.x(pts[pts.length - 1].v) + 4, color });
    }
    for (const { lines, y, color } of spreadLabels(ends, pTop + 8, pBottom)) {
      lines.forEach((line, k) => body.push(text(plotRight + 8, y + k * MEMORY_LINE_HEIGHT, line, `font-size="11" fill="${color}"`)));
    }
  });
  const notes = footnoteLines(['Each point is one (target, memory) configuration measured on its own; sizes below a target\'s peak memory are left out.'], width);
  const notesTop = top + 2 * panelHeight + 56;
  notes.forEach((line, i) => body.push(text(16, notesTop + i * 16, line, 'font-size="11" fill="#555"')));
  return svgDocument(width, notesTop + (notes.length - 1) * 16 + 12, title, body);
}

/** The line names right of memory.svg's panels wrap at this width, px, with this line spacing. */
const MEMORY_LABEL_MAX_WIDTH = 180;
const MEMORY_LINE_HEIGHT = 13;

/**
 * Baselines for the names at the lines' right ends: each as near its line's end as it can be without
 * running into the name above it, and the whole stack moved up where it would pass the panel's foot.
 */
function spreadLabels<T extends { lines: string[]; want: number }>(labels: T[], minY: number, maxY: number): (T & { y: number })[] {
  const sorted = [...labels].sort((a, b) => a.want - b.want);
  const height = (l: T) => l.lines.length * MEMORY_LINE_HEIGHT;
  const out: (T & { y: number })[] = [];
  let next = minY;
  for (const l of sorted) {
    const y = Math.max(l.want, next);
    out.push({ ...l, y });
    next = y + height(l) + 1;
  }
  // Past the foot: push back up, each name no lower than the one below it allows.
  let limit = maxY;
  for (let i = out.length - 1; i >= 0; i--) {
    const lastBaseline = out[i].y + (out[i].lines.length - 1) * MEMORY_LINE_HEIGHT;
    if (lastBaseline > limit) out[i].y -= lastBaseline - limit;
    limit = out[i].y - MEMORY_LINE_HEIGHT - 1;
  }
  return out;
}
