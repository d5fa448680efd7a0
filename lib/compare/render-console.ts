import type { CompareReport } from './report';
import { formatConfidence, formatPercent, formatPercentInterval, formatWithUnit } from './format';
import { metricByKey } from './metrics';
import { minSamplesFor } from './compare-runs';
import { formatNumber } from '../benchmark/render-svg';

/** The console view of a comparison: every line at most 100 columns. */
export const CONSOLE_WIDTH = 100;

/** Words wrapped to `width`, continuation lines indented by `indent`. */
export function wrap(textIn: string, width = CONSOLE_WIDTH, indent = '  '): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of textIn.split(/\s+/).filter(Boolean)) {
    const prefix = lines.length === 0 ? '' : indent;
    if (line !== '' && (prefix + line + ' ' + word).length > width) {
      lines.push(prefix + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push((lines.length === 0 ? '' : indent) + line);
  // A single word longer than the width (a path) is cut rather than let through.
  return lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
}

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

const COLUMNS = [
  { title: 'target', width: 14, align: 'left' },
  { title: 'metric', width: 15, align: 'left' },
  { title: 'pct', width: 3, align: 'left' },
  { title: 'baseline', width: 10, align: 'right' },
  { title: 'candidate', width: 10, align: 'right' },
  { title: 'change', width: 7, align: 'right' },
  { title: '95% interval', width: 18, align: 'right' },
  { title: 'verdict', width: 15, align: 'left' },
] as const;

function row(cells: string[]): string {
  return cells
    .map((c, i) => {
      const col = COLUMNS[i];
      const t = fit(c, col.width);
      return col.align === 'left' ? t.padEnd(col.width) : t.padStart(col.width);
    })
    .join(' ')
    .trimEnd();
}

export function renderConsole(report: CompareReport): string {
  const c = report.comparison;
  const out: string[] = [];
  const when = (s: string) => s.replace('T', ' ').slice(0, 16);
  out.push(...wrap(`${c.likeForLike.kind}: ${c.baseline.label} (${when(c.baseline.startedAt)}) -> ${c.candidate.label} (${when(c.candidate.startedAt)})`));
  out.push(
    ...wrap(
      `change = candidate / baseline - 1, 95% percentile-bootstrap interval (${c.bootstrap.iterations} rounds, seed ${c.bootstrap.seed}); ` +
        `a verdict needs the whole interval beyond +/-${formatPercent(c.noiseThreshold, false)} (and ${c.noiseFloorMs} ms for timings), judged at ` +
        `${formatConfidence(c.verdicts.confidence)} for each of the ${c.verdicts.judged} verdicts together (Bonferroni), ` +
        `on at least ${minSamplesFor('p50')} samples per run for a p50 and ${minSamplesFor('p90')} for a p90`,
    ),
  );
  out.push('');
  out.push(row(COLUMNS.map((col) => col.title)));
  out.push(row(COLUMNS.map((col) => '-'.repeat(col.width))));
  for (const t of c.targets) {
    for (const ch of t.changes) {
      const m = metricByKey(ch.metric);
      out.push(
        row([
          t.target,
          m.label,
          ch.percentile,
          formatWithUnit(ch.baseline, m.unit),
          formatWithUnit(ch.candidate, m.unit),
          formatPercent(ch.relative),
          formatPercentInterval(ch.relativeCi95),
          // JSON keeps "not established" and says why in verdictNote; 15 columns say the gist.
          ch.verdictNote?.startsWith('too few') ? 'too few samples' : ch.verdict,
        ]),
      );
    }
  }
  const unjudged = [...new Set(c.targets.flatMap((t) => t.changes.filter((ch) => ch.verdictNote).map((ch) => `${ch.percentile}`)))];
  if (unjudged.length) out.push(...wrap(`no verdict on some ${unjudged.join(' and ')} lines: too few samples or none in a run (compare.json: verdictNote)`));
  if (c.onlyInBaseline.length || c.onlyInCandidate.length) {
    out.push('');
    if (c.onlyInBaseline.length) out.push(...wrap(`only in the baseline (not compared): ${c.onlyInBaseline.join(', ')}`));
    if (c.onlyInCandidate.length) out.push(...wrap(`only in the candidate (not compared): ${c.onlyInCandidate.join(', ')}`));
  }
  if (report.predictedAgainstMeasured) {
    const p = report.predictedAgainstMeasured;
    out.push('', ...wrap(`Predicted (${p.local}, local) against measured (${p.aws}, AWS), Init Duration:`));
    out.push('target         arch       predicted p50 (interval)        measured p50      error  inside');
    for (const r of p.rows) {
      const predicted = `${formatWithUnit(r.predicted.p50Ms, 'ms')} (${formatWithUnit(r.predicted.interval.low, 'ms').replace(' ms', '')}-${formatWithUnit(r.predicted.interval.high, 'ms')})`;
      out.push(
        [fit(r.target, 14).padEnd(14), r.architecture.padEnd(10), fit(predicted, 31).padEnd(31), fit(formatWithUnit(r.measured.p50Ms, 'ms'), 14).padStart(14), formatPercent(r.errorP50).padStart(10), r.insideInterval ? '  yes' : '  no'].join(' '),
      );
    }
    for (const u of p.unmatched) out.push(...wrap(`no AWS figure: ${u}`));
  }
  if (report.history) {
    out.push('', ...wrap(`History of Init Duration p50 over ${report.history.runs.length} runs in time order (95% interval):`));
    for (const s of report.history.series.filter((x) => x.metric === 'init')) {
      const points = s.points
        .map((p) => (p && p.p50 !== null ? `${formatWithUnit(p.p50, 'ms')}${p.ci95 ? ` [${formatNumber(p.ci95[0])}-${formatNumber(p.ci95[1])}]` : ''}` : '-'))
        .join(' -> ');
      out.push(...wrap(`${s.target}: ${points}`));
    }
  }
  const warnings = c.likeForLike.warnings;
  if (warnings.length) {
    out.push('');
    for (const w of warnings) out.push(...wrap(`warning: ${w}`));
  }
  for (const n of c.likeForLike.notes) out.push(...wrap(`note: ${n}`));
  if (report.gate) {
    out.push('');
    for (const u of report.gate.unjudged) out.push(...wrap(`gate: not judged: ${u}`));
    if (report.gate.failures.length === 0) {
      out.push(...wrap(`gate --fail-if-slower ${report.gate.thresholds.map((t) => t.text).join(',')}: passed (no interval lies wholly beyond its threshold)`));
    } else {
      for (const f of report.gate.failures) out.push(...wrap(`FAIL ${f.message}`));
    }
  }
  return `${out.join('\n')}\n`;
}
