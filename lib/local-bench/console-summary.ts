import type { Architecture, BenchmarkResults, ErrorSummary, Stats, TargetResults } from '../benchmark/types';
import { formatBytes, formatPredictedRatio, formatRatio, formatValue } from '../benchmark/render-markdown';
import { formatNumber } from '../benchmark/render-svg';
import { byValidationSentence } from '../prediction/holdout-sentence';

/** The terminal the summary is written for: every line fits 100 columns (report.md has the wide tables). */
export const CONSOLE_COLUMNS = 100;
const GAP = '  ';

/** What the summary shows of one target's AWS prediction. */
export interface ConsolePrediction {
  architecture: Architecture;
  p50Ms: number;
  low: number;
  high: number;
  /** The interval's level as printed, e.g. '90 %'. */
  level: string;
  /** The median error of the validation that applies to the target (version or family left out), %. */
  modelErrorPct: number;
  /** That validation, as the report names it: 'family left out' or 'version left out'. */
  validation: string;
  /** The model cell the prediction comes from, e.g. 'Zip x86_64'. */
  cell: string;
  extrapolated: { direction: 'below' | 'above'; effectiveLocalMs: number; rangeMs: { min: number; max: number }; architecture: Architecture } | null;
  /** The runtime, when the model was not fitted on it, with the calibration runtimes nearest to it. */
  unseenRuntime: { runtime: string; nearest: string[] } | null;
}

/**
 * The one place the summary reads a target's `predictedAws` block (lib/benchmark/predicted-aws.ts):
 * the prediction for the target's own architecture, or why there is none; null on an AWS run.
 */
export function consolePrediction(t: TargetResults): ConsolePrediction | { unavailable: string } | null {
  const block = t.predictedAws;
  if (!block) return null;
  const p = block[t.architecture];
  if (!p) return { unavailable: block.unavailable ?? `no ${t.architecture} prediction` };
  return {
    architecture: t.architecture,
    p50Ms: p.p50Ms,
    low: p.interval.low,
    high: p.interval.high,
    level: `${Math.round(p.interval.level * 100)} %`,
    modelErrorPct: p.validation.medianAbsErrorPct,
    validation: p.validation.kind === 'leave-one-family-out' ? 'family left out' : 'version left out',
    cell: `${block.from.packageType} ${t.architecture}`,
    extrapolated: block.extrapolated,
    unseenRuntime: block.runtimeCalibrated ? null : { runtime: block.from.runtime, nearest: block.nearestCalibrationRuntimes },
  };
}

/**
 * Greedy word wrap to `width` columns; continuation lines start with `indent`. A word longer than a
 * line (a long target name, an id) is cut, so no line is ever wider than `width`.
 */
export function wrapLine(text: string, width = CONSOLE_COLUMNS, indent = '    '): string[] {
  const out: string[] = [];
  let line = '';
  const flush = () => {
    out.push(line.trimEnd());
    line = indent;
  };
  for (const word of text.split(' ')) {
    const sep = line.trim() === '' ? '' : ' ';
    if (line.length + sep.length + word.length <= width) {
      line += sep + word;
      continue;
    }
    if (line.trim() !== '') flush();
    let rest = word;
    while (line.length + rest.length > width) {
      const room = width - line.length;
      line += rest.slice(0, room);
      rest = rest.slice(room);
      flush();
    }
    line += rest;
  }
  if (line.trim() !== '' || out.length === 0) out.push(line.trimEnd());
  return out;
}

interface Column {
  head: [string, string];
  cells: string[];
  align: 'left' | 'right';
}

/**
 * One row per target under a two-line header, numbers right-aligned. The target column takes what the
 * other columns leave of the line; a name longer than that gets a line of its own above its figures.
 */
function targetTable(keys: string[], columns: Column[]): string[] {
  const widthOf = (c: Column) => Math.max(...c.head.map((h) => h.length), ...c.cells.map((v) => v.length));
  const widths = columns.map(widthOf);
  const rest = widths.reduce((sum, w) => sum + w + GAP.length, 0);
  const room = CONSOLE_COLUMNS - rest;
  const nameWidth = Math.max(6, ...keys.map((k) => k.length).filter((n) => n <= room));
  const cell = (text: string, width: number, align: Column['align']) => (align === 'right' ? text.padStart(width) : text.padEnd(width));
  const line = (name: string, values: string[]) =>
    [name.padEnd(nameWidth), ...values.map((v, c) => cell(v, widths[c], columns[c].align))].join(GAP).trimEnd();
  const out = [line('', columns.map((c) => c.head[0])), line('target', columns.map((c) => c.head[1]))];
  keys.forEach((key, row) => {
    const values = columns.map((c) => c.cells[row]);
    if (key.length <= nameWidth) {
      out.push(line(key, values));
    } else {
      out.push(...wrapLine(key, CONSOLE_COLUMNS, '  '));
      out.push(line('', values));
    }
  });
  return out;
}

function p50p90(s: Stats | null): string {
  return s ? `${formatNumber(s.p50)} (${formatNumber(s.p90)})` : 'none';
}

function errorLine(key: string, e: ErrorSummary): string {
  const phases = [e.phases.cold ? `${e.phases.cold} cold` : '', e.phases.warm ? `${e.phases.warm} warm` : ''].filter(Boolean).join(', ');
  const example = e.exampleRequestId ? ` (e.g. request ${e.exampleRequestId})` : '';
  return `${key}: ${e.count} × ${e.kind} error ${e.errorType} (${phases}): ${e.errorMessage}${example}`;
}

/**
 * The terminal's view of a run, within 100 columns: one row per target (measured Init p50 with p90,
 * on a local run the predicted AWS p50 with its interval, warm p50, memory, package, errors), the
 * headline ratios in both forms, then notes, warnings, parity and the errors grouped by cause.
 * report.md has every statistic.
 */
export function renderConsoleSummary(results: BenchmarkResults): string {
  const keys = Object.keys(results.targets);
  const targets = keys.map((k) => results.targets[k]);
  const local = results.backend === 'local';
  const predictions = targets.map(consolePrediction);
  const predicted = local && predictions.some((p) => p !== null);
  const level = predictions.find((p): p is ConsolePrediction => p !== null && 'p50Ms' in p)?.level ?? '90 %';

  const columns: Column[] = [
    { head: [local ? 'Init ms here' : 'Init ms', 'p50 (p90)'], cells: targets.map((t) => p50p90(t.cold.initMs)), align: 'right' },
  ];
  if (predicted) {
    columns.push({
      head: ['AWS Init ms', `p50 [${level}]`],
      cells: predictions.map((p) => (p && 'p50Ms' in p ? `${formatNumber(p.p50Ms)} [${formatNumber(p.low)}–${formatNumber(p.high)}]${p.extrapolated ? '*' : ''}` : 'none')),
      align: 'right',
    });
  }
  columns.push(
    { head: ['warm ms', 'p50'], cells: targets.map((t) => (t.warm.durationMs ? formatNumber(t.warm.durationMs.p50) : 'none')), align: 'right' },
    { head: ['memory MB', 'used/size'], cells: targets.map((t) => `${t.cold.maxMemoryMB ? Math.round(t.cold.maxMemoryMB.p50) : '?'}/${t.memorySizeMB}`), align: 'right' },
    ...(predicted
      ? [
          {
            head: ['AWS mem', 'MB'] as [string, string],
            cells: targets.map((t) => {
              const m = t.predictedAws?.maxMemory?.[t.architecture];
              return m ? formatNumber(Math.round(m.maxMemoryUsedMB)) : 'none';
            }),
            align: 'right' as const,
          },
        ]
      : []),
    { head: ['package', ''], cells: targets.map((t) => (t.packageBytes > 0 ? formatBytes(t.packageBytes) : 'n/a')), align: 'right' },
    { head: ['failed', 'of all'], cells: targets.map((t) => `${t.errors}/${t.invocations}`), align: 'right' },
  );
  const lines = targetTable(keys, columns);

  const coldN = [...new Set(targets.map((t) => t.cold.n))];
  const legend = [
    `Init: cold-start Init Duration${local ? ' measured here' : ''}, ${coldN.length === 1 ? `n = ${coldN[0]} each` : 'n per target in report.md'}.`,
    predicted ? `AWS: Init Duration p50 predicted on AWS for the target's architecture, with its ${level} prediction interval; * extrapolated (below).` : '',
    'memory: Max Memory Used p50 of the cold starts / memory size' +
      (predicted ? '; AWS mem: Max Memory Used predicted on AWS, where it counts the environment\'s own processes too (interval in report.md).' : '.') +
      ' package: what Lambda receives.',
  ].filter(Boolean);
  const modelErrors = new Map<string, number>();
  for (const p of predictions) if (p && 'p50Ms' in p) modelErrors.set(`${p.cell}, ${p.validation}`, p.modelErrorPct);
  if (modelErrors.size > 0) {
    legend.push(`Model error (median, out of sample): ${[...modelErrors].map(([cell, pct]) => `${cell} ${formatValue(pct)} %`).join('; ')}.`);
  }
  const source = results.predictionModel && !('unavailable' in results.predictionModel) ? results.predictionModel.source : undefined;
  if (local && source) legend.push(`Model: ${source.kind === 'in-run' ? source.why : `the committed calibration (${source.why})`}.`);
  const floor = results.predictionModel && !('unavailable' in results.predictionModel) ? results.predictionModel.intervalFloor : undefined;
  if (local && floor && floor.widened.length > 0) {
    legend.push(`Intervals for what the model has not seen: no narrower than the committed calibration's (widened here: ${floor.widened.join(', ')}).`);
  }
  const holdout = results.predictionModel && !('unavailable' in results.predictionModel) ? results.predictionModel.holdoutCheck : undefined;
  if (local && holdout && !('unavailable' in holdout) && holdout.cells > 0) {
    // The test on runtimes the model never saw, so the intervals above are read with it.
    const apart = byValidationSentence(holdout);
    legend.push(
      `Tested on ${holdout.runtimes.length} runtimes outside the calibration set (${holdout.of === 'in-run' ? "this run's model, measured in the run" : 'committed model, data/calibration/holdout-check.json'}): ` +
        `within ±${holdout.boundPct}\u00a0% of AWS in ${holdout.withinBound} of ${holdout.cells} cells, inside the interval in ${holdout.insideInterval} of ${holdout.cells}` +
        // No line break inside '±30 %' here either.
        (apart ? ` (${apart.replace(/ %/g, '\u00a0%')}).` : '.'),
    );
  }
  lines.push(...legend.flatMap((l) => wrapLine(l)));

  const ratios = results.ratios;
  if (ratios) {
    const ratioLevel = formatValue(results.config.bootstrap.confidence * 100);
    lines.push('', `${ratios.numerator} / ${ratios.denominator}:`);
    lines.push(`  cold-start Init p50  ${formatRatio(ratios.coldStartInitP50, ratioLevel)}${local ? ' measured here' : ''}`);
    const pr = ratios.predictedAwsColdStartInitP50;
    if (pr) {
      lines.push(`                       ${formatPredictedRatio(pr.x86_64)} predicted on AWS, x86_64`);
      lines.push(`                       ${formatPredictedRatio(pr.arm64)} predicted on AWS, arm64`);
    }
    lines.push(`  warm Duration p50    ${formatRatio(ratios.warmDurationP50, ratioLevel)}`);
    lines.push(`  Max Memory Used      ${formatRatio(ratios.maxMemory, ratioLevel)}${local ? ' measured here' : ''}`);
    // On AWS, Max Memory Used includes the environment's own processes: the ratio shrinks there.
    const memNum = results.targets[ratios.numerator]?.predictedAws?.maxMemory?.x86_64;
    const memDen = results.targets[ratios.denominator]?.predictedAws?.maxMemory?.x86_64;
    if (local && memNum && memDen) {
      lines.push(
        `                       ${formatNumber(memNum.maxMemoryUsedMB / memDen.maxMemoryUsedMB)}× (${formatNumber(memNum.maxMemoryUsedMB)} / ${formatNumber(memDen.maxMemoryUsedMB)} MB) predicted on AWS, x86_64`,
      );
    }
    lines.push(`  package size         ${formatRatio(ratios.packageSize, ratioLevel)}`);
  }

  // What each target's note says, with the targets that share it named once (a target at several
  // memory sizes usually has the same note at each).
  const noteTargets = new Map<string, string[]>();
  const note = (key: string, text: string) => noteTargets.set(text, [...(noteTargets.get(text) ?? []), key]);
  keys.forEach((key, i) => {
    const p = predictions[i];
    if (!local || !p) return;
    if ('unavailable' in p) {
      note(key, `no AWS prediction (${p.unavailable})`);
      return;
    }
    if (p.unseenRuntime) {
      note(key, `the model has not seen runtime ${p.unseenRuntime.runtime}; nearest calibration runtimes: ${p.unseenRuntime.nearest.join(', ') || 'none'}`);
    }
    const e = p.extrapolated;
    if (e) {
      note(
        key,
        `its model input (local Init p50 + file MB, ${formatValue(e.effectiveLocalMs)} ms effective on ${e.architecture}) lies ${e.direction} ` +
          `the calibration runtimes' (${formatValue(e.rangeMs.min)}–${formatValue(e.rangeMs.max)} ms): the prediction is extrapolated (*)`,
      );
    }
  });
  const notes = [...noteTargets].map(([text, targetKeys]) => `${targetKeys.join(', ')}: ${text}`);
  if (local && results.predictionModel && 'unavailable' in results.predictionModel) {
    notes.push(`no AWS prediction: ${results.predictionModel.unavailable}`);
  }
  if (local && results.predictionModel && !('unavailable' in results.predictionModel)) {
    for (const m of results.predictionModel.calibrationMismatches ?? []) notes.push(`predictions may be off: ${m}`);
  }
  if (notes.length) lines.push('', ...notes.flatMap((n) => wrapLine(n)));

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
  if (warnings.length) lines.push('', ...warnings.flatMap((w) => wrapLine(w)));

  if (results.parity) {
    const { maxAbsQualityDiff, identicalLabels, cases } = results.parity;
    const known = typeof results.parity.knownDifferences === 'number' ? results.parity.knownDifferences : 0;
    const parityTargets = results.parity.targets && typeof results.parity.targets === 'object' ? Object.keys(results.parity.targets) : [];
    lines.push(
      '',
      ...wrapLine(
        `parity over ${cases} payloads${parityTargets.length > 0 ? ` (${parityTargets.join(', ')} against apr)` : ''}: largest quality difference ${maxAbsQualityDiff ?? 'n/a'}, ` +
          `labels ${identicalLabels ? 'identical' : 'DIFFER'}${known > 0 ? ` but for ${known} known difference${known === 1 ? '' : 's'} (report.md says which and why)` : ''}`,
      ),
    );
  }
  lines.push('', ...wrapLine(`limits applied: ${results.environment.limitsApplied ? 'yes' : 'no'}${results.environment.limitsReason ? ` (${results.environment.limitsReason})` : ''}`));
  const errors = keys.flatMap((key) => [...results.targets[key].errorSummary.map((e) => errorLine(key, e)), ...results.targets[key].runErrors.map((m) => `${key}: ${m}`)]);
  if (errors.length) lines.push('', 'errors, grouped by cause (request ids taken out):', ...errors.flatMap((e) => wrapLine(e)));
  return lines.join('\n');
}
