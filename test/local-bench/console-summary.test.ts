/**
 * The console summary fits a 100-column terminal with every registry target, a 64-character target
 * name and a second memory size of each: one row per target, the ratios below, every line read for its
 * width. The run is aggregated by the real aggregate() with the test prediction model.
 */
import { aggregate } from '../../lib/benchmark/aggregate';
import { formatBytes } from '../../lib/benchmark/render-markdown';
import { formatNumber } from '../../lib/benchmark/render-svg';
import { CONSOLE_COLUMNS, consolePrediction, renderConsoleSummary, wrapLine, type ConsolePrediction } from '../../lib/local-bench/console-summary';
import { fixtureModel } from '../benchmark/model-fixture';
import { loadHoldoutSummary } from '../../lib/prediction';
import { LONG_TARGET_KEY, wideRun } from '../benchmark/wide-run';

const widest = (text: string) => Math.max(...text.split('\n').map((line) => line.length));

describe('the console summary of a wide run', () => {
  const run = wideRun();
  const local = aggregate({ run, backend: 'local', environment: { limitsApplied: true }, awsModel: fixtureModel() });
  const aws = aggregate({ run, backend: 'aws', environment: { limitsApplied: true } });
  const text = renderConsoleSummary(local);
  const lines = text.split('\n');

  test('the run is as wide as the issue asks: seven registry targets, a 64-character name, memory sizes', () => {
    const keys = Object.keys(local.targets);
    expect(keys).toEqual(expect.arrayContaining(['apr', 'apr-runtime-crate', 'python', 'numpy', 'onnx', 'pytorch', 'node', LONG_TARGET_KEY, 'apr-runtime-crate-1769mb']));
    expect(LONG_TARGET_KEY).toHaveLength(64);
  });

  test('its widest line fits 100 columns, on a local run and on an AWS run', () => {
    expect(widest(text)).toBeLessThanOrEqual(CONSOLE_COLUMNS);
    expect(widest(renderConsoleSummary(aws))).toBeLessThanOrEqual(CONSOLE_COLUMNS);
    // It uses the width it has: the table is not squeezed into a narrow column.
    expect(widest(text)).toBeGreaterThan(80);
  });

  test('one row per target: measured Init p50 (p90), predicted AWS p50 [interval], warm p50, memory, package, errors', () => {
    const f = formatNumber;
    for (const [key, t] of Object.entries(local.targets)) {
      const at = lines.findIndex((l) => l === key || l.startsWith(`${key} `));
      expect(at).toBeGreaterThan(1);
      // A name too long for its column has a line of its own; its figures follow on the next.
      const row = lines[at] === key ? lines[at + 1] : lines[at];
      const cells = row.trim().split(/\s{2,}/);
      const p = consolePrediction(t) as ConsolePrediction;
      const memory = t.predictedAws!.maxMemory![t.architecture]!;
      expect(cells.slice(-7)).toEqual([
        `${f(t.cold.initMs!.p50)} (${f(t.cold.initMs!.p90)})`,
        `${f(p.p50Ms)} [${f(p.low)}–${f(p.high)}]${p.extrapolated ? '*' : ''}`,
        f(t.warm.durationMs!.p50),
        `${Math.round(t.cold.maxMemoryMB!.p50)}/${t.memorySizeMB}`,
        f(Math.round(memory.maxMemoryUsedMB)),
        formatBytes(t.packageBytes),
        `${t.errors}/${t.invocations}`,
      ]);
    }
    expect(lines.find((l) => l.startsWith(LONG_TARGET_KEY))).toBe(LONG_TARGET_KEY);
    expect(lines[1]).toMatch(/^target\s+p50 \(p90\)\s+p50 \[\d+ %\]/);
  });

  test('the ratios pytorch / apr follow the table; the errors are grouped', () => {
    const ratios = lines.indexOf('pytorch / apr:');
    expect(ratios).toBeGreaterThan(lines.findIndex((l) => l.startsWith('node-1769mb')));
    expect(lines[ratios + 1]).toMatch(/^ {2}cold-start Init p50 {2}[\d,.]+× \(95 % CI [\d,.]+–[\d,.]+\) measured here$/);
    const errors = local.targets[LONG_TARGET_KEY].errorSummary;
    expect(errors).toHaveLength(1);
    expect(text.replace(/\n {4}/g, ' ')).toContain(`${LONG_TARGET_KEY}: ${errors[0].count} × function error Runtime.ExitError (${errors[0].phases.warm} warm)`);
  });
});

describe("the console's hold-out line", () => {
  const run = wideRun();
  const holdoutCheck = {
    cells: 12,
    boundPct: 30,
    withinBound: 9,
    insideInterval: 11,
    medianAbsErrorPct: 24,
    maxAbsErrorPct: 43.1,
    runtimes: ['c++ 11 (prov.al2023)', 'go (prov.al2023)', 'shell (prov.al2023)'],
    misses: [],
  };

  test("names the run's own model when the run measured the hold-outs, the committed one otherwise, and keeps '±30 %' on one line", () => {
    const own = renderConsoleSummary(aggregate({ run, backend: 'local', environment: { limitsApplied: true }, awsModel: fixtureModel(), holdoutCheck }));
    // Read with its wrapped lines joined: no line breaks inside '±30 %'.
    const unwrapped = (text: string) => text.replace(/\n {4}/g, ' ');
    expect(own).toMatch(/±30\u00a0%/);
    expect(unwrapped(own)).toContain("Tested on 3 runtimes outside the calibration set (this run's model, measured in the run): within ±30\u00a0% of AWS in 9 of 12 cells, inside the interval in 11 of 12.");
    expect(widest(own)).toBeLessThanOrEqual(CONSOLE_COLUMNS);
    // New versions of known families are counted apart from new families.
    const apart = renderConsoleSummary(
      aggregate({
        run,
        backend: 'local',
        environment: { limitsApplied: true },
        awsModel: fixtureModel(),
        holdoutCheck: { ...holdoutCheck, byValidation: { 'leave-one-family-out': { cells: 8, withinBound: 5, insideInterval: 7 }, 'leave-one-version-out': { cells: 4, withinBound: 4, insideInterval: 4 } } },
      }),
    );
    expect(unwrapped(apart)).toContain(
      'inside the interval in 11 of 12 (new families (family-out interval): 5 of 8 within ±30\u00a0%, 7 of 8 inside; new versions of known families (version-out interval): 4 of 4 within ±30\u00a0%, 4 of 4 inside).',
    );
    expect(widest(apart)).toBeLessThanOrEqual(CONSOLE_COLUMNS);
    // Without a check of its own, the run cites the committed model's.
    const committed = renderConsoleSummary(aggregate({ run, backend: 'local', environment: { limitsApplied: true }, awsModel: fixtureModel() }));
    const stored = loadHoldoutSummary();
    if (!stored || 'unavailable' in stored) throw new Error('the committed hold-out check is missing');
    expect(unwrapped(committed)).toContain(
      `Tested on ${stored.runtimes.length} runtimes outside the calibration set (committed model, data/calibration/holdout-check.json): within ±30\u00a0% of AWS in ${stored.withinBound} of ${stored.cells} cells`,
    );
  });
});

describe("the console's interval-floor line", () => {
  test('names the cells the committed model widened, and is absent when none were', () => {
    const run = wideRun();
    const model = fixtureModel();
    const unwrapped = (text: string) => text.replace(/\n {4}/g, ' ');
    const widest = (q: number) => ({
      from: { path: 'data/calibration/calibration-table.csv', sha256: '' },
      cells: model.cells.map((c) => ({ packageType: c.packageType, architecture: c.architecture, familyOutLogQuantile: q })),
      memoryCells: [],
    });
    const widened = renderConsoleSummary(aggregate({ run, backend: 'local', environment: { limitsApplied: true }, awsModel: { ...model, intervalFloor: widest(5) } }));
    const cells = model.cells.map((c) => `${c.packageType} ${c.architecture}`).join(', ');
    expect(unwrapped(widened)).toContain(`Intervals for what the model has not seen: no narrower than the committed calibration's (widened here: ${cells}).`);
    const none = renderConsoleSummary(aggregate({ run, backend: 'local', environment: { limitsApplied: true }, awsModel: { ...model, intervalFloor: widest(0) } }));
    expect(none).not.toContain('Intervals for what the model has not seen');
  });
});

describe('wrapLine', () => {
  test('never wider than asked, words kept in order, a word longer than a line cut', () => {
    const words = `a ${'x'.repeat(130)} b ${LONG_TARGET_KEY} c`;
    const wrapped = wrapLine(words, 40, '  ');
    expect(Math.max(...wrapped.map((l) => l.length))).toBeLessThanOrEqual(40);
    expect(wrapped.slice(1).every((l) => l.startsWith('  '))).toBe(true);
    expect(wrapped.join('').replace(/\s+/g, '')).toBe(words.replace(/\s+/g, ''));
    expect(wrapLine('short', 40)).toEqual(['short']);
  });
});
