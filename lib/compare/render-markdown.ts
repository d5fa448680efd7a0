import { mdCell } from '../benchmark/render-markdown';
import { minSamplesFor } from './compare-runs';
import { formatConfidence, formatDifference, formatPercent, formatPercentInterval, formatWithUnit } from './format';
import { METRICS, metricByKey } from './metrics';
import { HISTORY_CHART_METRICS, historyChartName } from './render-charts';
import type { CompareReport } from './report';

/** compare.md: the comparison, its warnings, the gate, predicted against measured, the history. */

export const COMPARE_FILE_NAMES = Object.freeze({ markdown: 'compare.md', json: 'compare.json', changeChart: 'compare.svg' });

export function renderCompareMarkdown(report: CompareReport): string {
  const c = report.comparison;
  const out: string[] = [];
  out.push(`# Comparison: ${c.candidate.label} against ${c.baseline.label} (${c.likeForLike.kind})`, '');
  out.push('| | run | backend | started | cold starts | warm invocations | targets |', '|---|---|---|---|---:|---:|---|');
  for (const [role, r] of [['baseline', c.baseline], ['candidate', c.candidate]] as const) {
    out.push(`| ${role} | ${mdCell(r.label)} | ${r.backend} | ${r.startedAt} | ${r.coldStarts} | ${r.warmInvocations} | ${mdCell(r.targets.join(', '))} |`);
  }
  out.push('');
  if (c.likeForLike.warnings.length) {
    out.push('**Not like for like.** These differences move the numbers:', '');
    for (const w of c.likeForLike.warnings) out.push(`- ${w}`);
    out.push('');
  }
  for (const n of c.likeForLike.notes) out.push(`Note: ${n}.`, '');
  if (report.gate) {
    const g = report.gate;
    const spec = g.thresholds.map((t) => t.text).join(',');
    for (const u of g.unjudged) out.push(`Gate, not judged: ${u}.`, '');
    if (g.failures.length === 0) out.push(`**Gate \`--fail-if-slower ${spec}\`: passed.** No interval lies wholly beyond its threshold.`, '');
    else {
      out.push(`**Gate \`--fail-if-slower ${spec}\`: failed.**`, '');
      for (const f of g.failures) out.push(`- ${f.message}`);
      out.push('');
    }
  }
  out.push(`![p50 change](${COMPARE_FILE_NAMES.changeChart})`, '');
  out.push(
    '| target | metric | pct | baseline | candidate | difference (95 % interval) | change (95 % interval) | n | verdict |',
    '|---|---|---|---:|---:|---|---|---|---|',
  );
  for (const t of c.targets) {
    for (const ch of t.changes) {
      const m = metricByKey(ch.metric);
      const diff = ch.differenceCi95
        ? `${formatDifference(ch.difference, m.unit)} (${formatDifference(ch.differenceCi95[0], m.unit)} to ${formatDifference(ch.differenceCi95[1], m.unit)})`
        : formatDifference(ch.difference, m.unit);
      out.push(
        `| ${mdCell(t.target)} | ${m.label} | ${ch.percentile} | ${formatWithUnit(ch.baseline, m.unit)} | ${formatWithUnit(ch.candidate, m.unit)} | ${diff} | ` +
          `${formatPercent(ch.relative)} (${formatPercentInterval(ch.relativeCi95)}) | ${ch.n.baseline} / ${ch.n.candidate} | ${ch.verdict}${ch.verdictNote ? ` (${ch.verdictNote})` : ''} |`,
      );
    }
  }
  out.push('');
  if (c.onlyInBaseline.length) out.push(`Only in the baseline, not compared: ${c.onlyInBaseline.join(', ')}.`, '');
  if (c.onlyInCandidate.length) out.push(`Only in the candidate, not compared: ${c.onlyInCandidate.join(', ')}.`, '');

  if (report.predictedAgainstMeasured) {
    const p = report.predictedAgainstMeasured;
    out.push(`## Predicted against measured: ${mdCell(p.local)} (local, predicted) and ${mdCell(p.aws)} (AWS, measured)`, '');
    if (p.rows.length) {
      out.push(
        '| target | architecture | predicted p50 (interval) | predicted p90 | measured p50 (95 % interval) | measured p90 | n | error p50 | error p90 | inside the interval | Max Memory Used predicted / measured |',
        '|---|---|---|---:|---|---:|---:|---:|---:|---|---|',
      );
      for (const r of p.rows) {
        const iv = `${formatWithUnit(r.predicted.interval.low, 'ms')} to ${formatWithUnit(r.predicted.interval.high, 'ms')}, ${Math.round(r.predicted.interval.level * 100)} %`;
        const memory = `${formatWithUnit(r.predicted.maxMemoryMB, 'MB')} / ${formatWithUnit(r.measured.maxMemoryMB, 'MB')}`;
        const measuredCi = r.measured.p50Ci95 ? ` (${formatWithUnit(r.measured.p50Ci95[0], 'ms')} to ${formatWithUnit(r.measured.p50Ci95[1], 'ms')})` : '';
        out.push(
          `| ${mdCell(r.target)}${r.awsTarget !== r.target ? ` (AWS: ${mdCell(r.awsTarget)})` : ''} | ${r.architecture} | ${formatWithUnit(r.predicted.p50Ms, 'ms')} (${iv}) | ` +
            `${formatWithUnit(r.predicted.p90Ms, 'ms')} | ${formatWithUnit(r.measured.p50Ms, 'ms')}${measuredCi} | ${formatWithUnit(r.measured.p90Ms, 'ms')} | ${r.measured.n} | ` +
            `${formatPercent(r.errorP50)} | ${formatPercent(r.errorP90)} | ${r.insideInterval ? 'yes' : 'no'} | ${memory} |`,
        );
      }
      out.push('', 'Error = (predicted − measured) / measured, of the Init Duration of cold starts.', '');
    } else out.push('No target of the local run has both a prediction and an AWS measurement.', '');
    for (const u of p.unmatched) out.push(`- not compared: ${u}`);
    if (p.unmatched.length) out.push('');
  }

  if (report.history) {
    const h = report.history;
    out.push(`## History: ${h.runs.length} runs in time order`, '');
    for (const m of HISTORY_CHART_METRICS) out.push(`![${metricByKey(m).label} history](${historyChartName(m)})`, '');
    out.push(`| target | metric | ${h.runs.map((r) => `${mdCell(r.label)} (${r.backend}, ${r.startedAt.slice(0, 16)})`).join(' | ')} |`);
    out.push(`|---|---|${h.runs.map(() => '---').join('|')}|`);
    for (const s of h.series) {
      const m = metricByKey(s.metric);
      const cells = s.points.map((p) =>
        p && p.p50 !== null ? `${formatWithUnit(p.p50, m.unit)}${p.ci95 ? ` (${formatWithUnit(p.ci95[0], m.unit)} to ${formatWithUnit(p.ci95[1], m.unit)})` : ''}` : '–',
      );
      out.push(`| ${mdCell(s.target)} | ${m.label} p50 | ${cells.join(' | ')} |`);
    }
    out.push('');
  }

  out.push('## Method', '');
  out.push(
    `Samples are the rows of each run's \`invocations.csv\`, selected as \`results.json\` selects them. ` +
      `Each interval is a 95 % percentile bootstrap of the difference (candidate − baseline) and of the ratio, ` +
      `${c.bootstrap.iterations} rounds, each run resampled independently at its own size (seed ${c.bootstrap.seed}: the same runs give the same intervals). ` +
      `A verdict needs the whole interval of the change beyond ±${formatPercent(c.noiseThreshold, false)} (a noise threshold, as criterion.rs's) and, for timings, the whole interval of the difference beyond ±${c.noiseFloorMs} ms; otherwise it is "not established". ` +
      `The ${c.verdicts.judged} verdicts are judged together: each on its interval at ${formatConfidence(c.verdicts.confidence)} (Bonferroni, 1 − 0.05 / ${c.verdicts.judged}), so that runs of the same code ` +
      'get no verdict at all in 95 % of comparisons (compare.json: verdictInterval); the table shows the 95 % intervals. ' +
      `A verdict on a percentile needs ${minSamplesFor('p50')} samples per run for a p50 and ${minSamplesFor('p90')} for a p90 (3 beyond it: the bootstrap cannot judge the tail of a smaller sample).`,
    '',
  );
  for (const m of METRICS) out.push(`- ${m.label} (${m.unit}): ${m.basis}.`);
  out.push('');
  return out.join('\n');
}
