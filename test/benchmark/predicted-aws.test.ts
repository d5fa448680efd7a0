import { aggregate } from '../../lib/benchmark/aggregate';
import { calibrationMismatches, predictedRatio, sameRuntime } from '../../lib/benchmark/predicted-aws';
import { renderMarkdown } from '../../lib/benchmark/render-markdown';
import { formatNumber, renderColdStartChart } from '../../lib/benchmark/render-svg';
import { renderConsoleSummary } from '../../lib/local-bench/console-summary';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FITTED_MODEL_PATH, loadFittedModel, predictAwsInit, readCalibrationMachine, type CalibrationMachine } from '../../lib/prediction';
import { fixtureModel } from './model-fixture';
import { syntheticRun, TORCH_SPEC } from './synthetic-run';
import { parseSvg } from './xml-check';

/**
 * A local run's reports carry both: what was measured here and what AWS is predicted to show, with
 * the prediction's interval and the model's validation error. The model is fitted by the real fit
 * function on a small table (model-fixture.ts); the expected predictions come from the prediction API
 * itself, so these tests check how the reports carry them, not the model.
 */

const model = fixtureModel();
const ENV = { limitsApplied: true };
const local = aggregate({ run: syntheticRun(), backend: 'local', environment: ENV, awsModel: model });

describe('predictedAws in results.json', () => {
  test('a block per target with x86_64 and arm64, from the local Init Duration p50 and p90 and the init file MB p50', () => {
    // synthetic apr: Init 20..24 ms (p50 22, p90 23.6), file MB 2.0..2.4 (p50 2.2), zip; pytorch 3,900..4,100 ms
    // (p50 4,000, p90 4,080), file MB 300..340 (p50 320), image.
    const [aprX86, aprArm] = predictAwsInit({ localInitP50Ms: 22, localInitP90Ms: 23.6, localInitFileMB: 2.2, packageType: 'Zip', runtimeLabel: 'provided.al2023', packageBytes: 1_200_000 }, model);
    const apr = local.targets.apr.predictedAws!;
    expect(local.targets.apr.cold.initFileMB).toMatchObject({ n: 5, p50: 2.2 });
    expect(apr.from).toMatchObject({ localInitP50Ms: 22, localInitP90Ms: 23.6, localInitFileMB: 2.2, n: 5, packageType: 'Zip', runtime: 'provided.al2023' });
    expect(apr.x86_64).toEqual({ effectiveLocalMs: aprX86.effectiveLocalMs, p50Ms: aprX86.p50Ms, p90Ms: aprX86.p90Ms, interval: aprX86.interval, validation: aprX86.validation });
    expect(apr.arm64!.p50Ms).toBe(aprArm.p50Ms);
    expect(apr.x86_64!.interval.low).toBeLessThan(apr.x86_64!.p50Ms);
    expect(apr.x86_64!.interval.high).toBeGreaterThan(apr.x86_64!.p50Ms);
    // The .apr function is not a calibration hello world: the model has not seen it, whole families are left out.
    expect(apr.validationKind).toBe('leave-one-family-out');
    expect(apr.x86_64!.validation.medianAbsErrorPct).toBe(model.cells.find((c) => c.packageType === 'Zip' && c.architecture === 'x86_64')!.lofoMedianAbsErrorPct);
    const torch = local.targets.pytorch.predictedAws!;
    expect(torch.from.packageType).toBe('Image');
    expect(torch.x86_64!.p50Ms).toBe(predictAwsInit({ localInitP50Ms: 4000, localInitP90Ms: 4080, localInitFileMB: 320, packageType: 'Image' }, model)[0].p50Ms);
  });

  test('without the init file MB (the model\'s second input) there is no prediction, and the reason says so', () => {
    const run = syntheticRun();
    delete run.targets[0].initFileMB;
    const out = aggregate({ run, backend: 'local', environment: ENV, awsModel: model });
    expect(out.targets.apr.cold.initFileMB).toBeUndefined();
    expect(out.targets.apr.predictedAws).toMatchObject({ x86_64: null, arm64: null, unavailable: expect.stringContaining('the file bytes its cold starts\' INIT brought in were not measured') });
  });

  test('a runtime the model has not seen is flagged, with the calibration runtimes nearest to it', () => {
    const torch = local.targets.pytorch.predictedAws!;
    expect(torch.runtimeCalibrated).toBe(false);
    expect(torch.nearestCalibrationRuntimes).toEqual(predictAwsInit({ localInitP50Ms: 4000, localInitP90Ms: 4080, localInitFileMB: 320, packageType: 'Image' }, model)[0].nearestCalibrationRuntimes);
    expect(torch.nearestCalibrationRuntimes.length).toBeGreaterThan(0);
    const run = syntheticRun();
    run.targets[1].spec = { ...TORCH_SPEC, runtimeLabel: 'python3.12', packageType: 'Image' };
    expect(aggregate({ run, backend: 'local', environment: ENV, awsModel: model }).targets.pytorch.predictedAws!.runtimeCalibrated).toBe(true);
  });

  test('runtime labels: a Rust function on provided.al2023 is the calibration runtime lambda-perf calls "rust (prov.al2023)"', () => {
    expect(local.targets.apr.predictedAws!.runtimeCalibrated).toBe(true);
    expect(sameRuntime('rust (prov.al2023)', 'Rust (provided.al2023)')).toBe(true);
    expect(sameRuntime('rust (prov.al2023)', 'provided.al2023')).toBe(true);
    expect(sameRuntime('provided.al2023', 'rust (prov.al2)')).toBe(false);
    expect(sameRuntime('python3.12', 'python3.11')).toBe(false);
  });

  test('a model input beyond every calibration runtime\'s is flagged as an extrapolation', () => {
    expect(local.targets.apr.predictedAws!.extrapolated).toBeNull();
    const e = local.targets.pytorch.predictedAws!.extrapolated!;
    const cell = model.cells.find((c) => c.packageType === 'Image' && c.architecture === 'x86_64')!;
    expect(e).toEqual({ architecture: 'x86_64', direction: 'above', effectiveLocalMs: Math.round((4000 + cell.kRuntime * 320) * 100) / 100, rangeMs: cell.effectiveRange });
    const fmt = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 2 });
    expect(renderMarkdown(local)).toContain(
      `- pytorch: its model input (local Init Duration p50 + k × init file MB: ${fmt(e.effectiveLocalMs)} ms on x86_64) lies above every calibration runtime's (${fmt(e.rangeMs.min)}–${fmt(e.rangeMs.max)} ms): the model's line is extrapolated there. Its interval reaches up to the line continued from the range's upper edge in proportion`,
    );
    const withBracket = predictAwsInit({ localInitP50Ms: 4000, localInitP90Ms: 4080, localInitFileMB: 320, packageType: 'Image' }, model)[0];
    expect(local.targets.pytorch.predictedAws!.x86_64!.interval.high).toBe(withBracket.interval.high);
    expect(withBracket.interval.high).toBeGreaterThanOrEqual(Math.round(Math.exp(cell.p50.intercept + cell.p50.slope * Math.log(cell.effectiveRange.max)) * (e.effectiveLocalMs / cell.effectiveRange.max) * 100) / 100 - 0.01);
    expect(renderConsoleSummary(local).replace(/\n {4}/g, ' ')).toContain(`pytorch: its model input (local Init p50 + file MB, ${fmt(e.effectiveLocalMs)} ms effective on x86_64) lies above the calibration runtimes'`);
  });

  test('the headline ratio in both forms: measured here, and between the predicted p50s with the widest interval', () => {
    const r = local.ratios!;
    const p = r.predictedAwsColdStartInitP50!;
    const torch = local.targets.pytorch.predictedAws!.x86_64!;
    const apr = local.targets.apr.predictedAws!.x86_64!;
    expect(p.x86_64).toEqual({ architecture: 'x86_64', value: torch.p50Ms / apr.p50Ms, interval: [torch.interval.low / apr.interval.high, torch.interval.high / apr.interval.low] });
    expect(p.arm64!.architecture).toBe('arm64');
    expect(r.coldStartInitP50.value).toBeCloseTo(4000 / 22, 9);
    expect(predictedRatio(undefined, local.targets.apr.predictedAws, 'x86_64')).toBeNull();
  });

  test('the model used is named; without a model, or without a cold-start sample, no prediction and the reason', () => {
    expect(local.predictionModel).toMatchObject({ form: model.form, table: 'test/benchmark/model-fixture.ts', calibrationRuntimes: ['java21', 'nodejs22.x', 'python3.12', 'rust (prov.al2023)'], source: { kind: 'committed', why: 'given to this run' } });
    expect((local.predictionModel as { points: { runtime: string; source: string }[] }).points.map((p) => p.source)).toEqual(Array(4).fill('lambda-perf 2026-07-01..2026-08-22 (commit 6070b794)'));
    const none = aggregate({ run: syntheticRun(), backend: 'local', environment: ENV, awsModel: null });
    expect(none.predictionModel).toEqual({ unavailable: 'no model was given to this run' });
    expect(none.targets.apr.predictedAws).toBeUndefined();
    const run = syntheticRun();
    run.targets[0].invocations = run.targets[0].invocations.filter((i) => i.phase === 'warm');
    const noCold = aggregate({ run, backend: 'local', environment: ENV, awsModel: model });
    expect(noCold.targets.apr.predictedAws).toMatchObject({ x86_64: null, arm64: null, unavailable: 'no cold start with an Init Duration was measured' });
    expect(noCold.ratios!.predictedAwsColdStartInitP50).toEqual({ x86_64: null, arm64: null });
  });

  const CALIBRATED: CalibrationMachine = { cpuModel: 'Intel(R) Xeon(R) Processor', cpus: 2, loadAverage1mBefore: 1.02, limitsApplied: true, measuredAt: '2026-12-07T08:14:20.512Z' };
  const SAME = { limitsApplied: true, cpu: 'Intel(R) Xeon(R) Processor', logicalCpus: 2, loadAverage1mBefore: 0.4 };

  test('the machine, load and limits of the calibration set beside the run\'s: each difference named', () => {
    expect(calibrationMismatches(CALIBRATED, SAME)).toEqual([]);
    expect(calibrationMismatches(undefined, SAME)).toEqual([]);
    const other = calibrationMismatches(CALIBRATED, { ...SAME, cpu: 'AMD EPYC 7B13' });
    expect(other).toHaveLength(1);
    expect(other[0]).toContain('calibrated on another CPU (Intel(R) Xeon(R) Processor) than this run\'s (AMD EPYC 7B13)');
    expect(calibrationMismatches(CALIBRATED, { ...SAME, logicalCpus: 8 })[0]).toContain('calibrated with 2 CPUs and this run has 8');
    // A load a whole core above the calibration's, or below it, is named; less is not.
    expect(calibrationMismatches(CALIBRATED, { ...SAME, loadAverage1mBefore: 1.9 })).toEqual([]);
    expect(calibrationMismatches(CALIBRATED, { ...SAME, loadAverage1mBefore: 2.02 })[0]).toContain('started at a 1-minute load average of 2.02, the calibration at 1.02');
    expect(calibrationMismatches({ ...CALIBRATED, loadAverage1mBefore: 3.5 }, SAME)[0]).toContain('load average of 0.4, the calibration at 3.5');
    expect(calibrationMismatches(CALIBRATED, { ...SAME, limitsApplied: false })).toEqual(['limits were not applied in this run and in the calibration']);
  });

  test('results.json, report.md and the console carry the calibration\'s machine and any mismatch', () => {
    const calibrated = { ...model, calibratedOn: CALIBRATED };
    const same = aggregate({ run: syntheticRun(), backend: 'local', environment: SAME, awsModel: calibrated });
    expect(same.predictionModel).toMatchObject({ calibratedOn: CALIBRATED, calibrationMismatches: [] });
    expect(renderMarkdown(same)).toContain('Calibrated on Intel(R) Xeon(R) Processor (2 CPUs) at a 1-minute load average of 1.02, limits applied, 2026-12-07T08:14:20.512Z; this run: Intel(R) Xeon(R) Processor (2 CPUs) at 0.4, limits applied.');
    expect(renderMarkdown(same)).not.toContain('Calibration mismatch');
    const busy = aggregate({ run: syntheticRun(), backend: 'local', environment: { ...SAME, loadAverage1mBefore: 3.1 }, awsModel: calibrated });
    expect(renderMarkdown(busy)).toContain('- **Calibration mismatch**: this run started at a 1-minute load average of 3.1, the calibration at 1.02');
    expect(renderConsoleSummary(busy)).toContain('predictions may be off: this run started at a 1-minute load average of 3.1');
  });

  test('the committed model comes with the machine it was calibrated on, read from local-measurements.json beside it', () => {
    const committed = JSON.parse(fs.readFileSync(path.join(path.dirname(FITTED_MODEL_PATH), 'local-measurements.json'), 'utf8'));
    expect(loadFittedModel().calibratedOn).toEqual({
      cpuModel: committed.machine.cpuModel,
      cpus: committed.machine.cpus,
      loadAverage1mBefore: committed.machine.loadAverage1mBefore,
      limitsApplied: committed.limits.applied,
      measuredAt: committed.measuredAt,
    });
    // Absent or unreadable, the model loads without it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-'));
    try {
      fs.copyFileSync(FITTED_MODEL_PATH, path.join(dir, 'fitted-model.json'));
      expect(loadFittedModel(path.join(dir, 'fitted-model.json')).calibratedOn).toBeUndefined();
      fs.writeFileSync(path.join(dir, 'local-measurements.json'), '{"machine": {"cpuModel": 3}}');
      expect(readCalibrationMachine(path.join(dir, 'local-measurements.json'))).toBeNull();
      expect(loadFittedModel(path.join(dir, 'fitted-model.json')).calibratedOn).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an AWS run carries measured figures only', () => {
    const aws = aggregate({ run: syntheticRun(), backend: 'aws', environment: ENV, awsModel: model });
    expect(aws.targets.apr.predictedAws).toBeUndefined();
    expect(aws.predictionModel).toBeUndefined();
    expect(aws.ratios!.predictedAwsColdStartInitP50).toBeUndefined();
    const md = renderMarkdown(aws);
    expect(md).not.toContain('predicted on AWS');
    expect(md).not.toContain('## Predicted on AWS');
    expect(renderConsoleSummary(aws)).not.toMatch(/predicted/i);
    expect(renderColdStartChart(aws)).not.toContain('Predicted');
  });
});

describe('predictions in the reports of a local run', () => {
  const apr = local.targets.apr.predictedAws!;
  const torch = local.targets.pytorch.predictedAws!;
  const fmt = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 2 });

  test('report.md: summary rows with interval and model error, and the ratio in both forms', () => {
    const md = renderMarkdown(local);
    const lines = md.split('\n');
    expect(lines.find((l) => l.startsWith('| cold start: Init Duration, p50 (measured here) | **22 ms**'))).toBeDefined();
    const row = lines.find((l) => l.startsWith('| cold start: Init Duration, p50 **predicted on AWS**, x86_64 |'))!;
    expect(row).toContain(`**${fmt(apr.x86_64!.p50Ms)} ms** (${Math.round(apr.x86_64!.interval.level * 100)} % ${fmt(apr.x86_64!.interval.low)}–${fmt(apr.x86_64!.interval.high)}; family left out error ${fmt(apr.x86_64!.validation.medianAbsErrorPct)} % median`);
    expect(row).toContain(`**${fmt(torch.x86_64!.p50Ms)} ms**`);
    expect(row).toMatch(/\| [\d,.]+× \(interval [\d,.]+–[\d,.]+\) \|$/);
    expect(lines.find((l) => l.startsWith('| cold start: Init Duration, p50 **predicted on AWS**, arm64 |'))).toBeDefined();
    expect(md).toMatch(/Headline ratio pytorch \/ apr, cold-start Init Duration p50: measured here 182× \(95 % CI [\d.,–]+\); predicted on AWS [\d,.]+× \(interval [\d,.–]+\) on x86_64 and [\d,.]+× \(interval [\d,.–]+\) on arm64\./);
  });

  test('report.md: the predicted p50s beside 15.9 ms (lambda-perf) and 3,935.59 ms (the reference benchmark)', () => {
    const lines = renderMarkdown(local).split('\n');
    const aprRow = lines.find((l) => l.startsWith('| apr | cold start Init Duration, p50 | 22 ms |') && l.includes('| 15.9 ms |'))!;
    expect(aprRow).toContain(`| ${fmt(apr.x86_64!.p50Ms)} ms (${Math.round(apr.x86_64!.interval.level * 100)} % ${fmt(apr.x86_64!.interval.low)}–${fmt(apr.x86_64!.interval.high)}) | 15.9 ms | 1.38× |`);
    const torchRow = lines.find((l) => l.startsWith('| pytorch | cold start Init Duration, p50 | 4,000 ms |'))!;
    expect(torchRow).toContain(`| ${fmt(torch.x86_64!.p50Ms)} ms (${Math.round(torch.x86_64!.interval.level * 100)} % `);
    expect(torchRow).toContain('| 3,935.59 ms | 1.02× |');
    expect(lines).toContain('| target | metric | measured here | predicted on AWS, x86_64 | published | measured / published | predicted / published | source |');
  });

  test('report.md: the prediction section names the model, its validation, and the nearest runtimes of an unseen runtime', () => {
    const md = renderMarkdown(local);
    expect(md).toContain('## Predicted on AWS');
    expect(md).toContain('calibration runtimes: java21, nodejs22.x, python3.12, rust (prov.al2023)');
    expect(md).toContain(`- pytorch: the model has not seen its runtime (container-image); the calibration runtimes standing nearest to its local Init Duration and init file MB are ${torch.nearestCalibrationRuntimes.join(' and ')}`);
    expect(md).not.toContain('- apr: the model has not seen');
    expect(md).toMatch(/\| apr \| Zip \| 22 \/ 23\.6 \(n=5\) \| 2\.2 \| x86_64 \| \*\*[\d.,]+\*\* \| [\d.,]+ \| [\d.,]+–[\d.,]+ \(\d+ %\) \| family left out: [\d.]+ % median, [\d.]+ % max \(4 runtimes, 4 families; AWS inside \d+ of \d+ with its family left out\) \|/);
    expect(md).toContain('- apr: a function the model has not seen (its own package, its own code): judged by leaving whole families out.');
    expect(md).toContain('### The model\'s calibration points');
    expect(md).toContain('**INIT with burst CPU**');
    expect(md).toContain('**What the local run leaves out, and the prediction adds**');
  });

  test('the console: predicted p50 with interval in each target row, model error, both ratios, the nearest runtimes', () => {
    const text = renderConsoleSummary(local).replace(/\n {4}/g, ' ');
    const f = formatNumber;
    const aprRow = text.split('\n').find((l) => l.startsWith('apr '))!;
    expect(aprRow.split(/\s{2,}/)).toEqual(expect.arrayContaining([`${f(local.targets.apr.cold.initMs!.p50)} (${f(local.targets.apr.cold.initMs!.p90)})`, `${f(apr.x86_64!.p50Ms)} [${f(apr.x86_64!.interval.low)}–${f(apr.x86_64!.interval.high)}]`]));
    expect(text).toContain(`Model error (median, out of sample): Zip x86_64, family left out ${fmt(apr.x86_64!.validation.medianAbsErrorPct)} %`);
    expect(text).toMatch(/cold-start Init p50 {2}182× \(95 % CI [^)]+\) measured here/);
    expect(text).toMatch(/[\d,.]+× \(interval [\d,.]+–[\d,.]+\) predicted on AWS, x86_64/);
    expect(text).toContain(`pytorch: the model has not seen runtime container-image; nearest calibration runtimes: ${torch.nearestCalibrationRuntimes.join(', ')}`);
    expect(text).not.toContain('apr: the model has not seen');
  });

  test('cold-start.svg: the predicted p50 with its interval beside the measured bars, marked as predicted', () => {
    const svg = renderColdStartChart(local);
    const doc = parseSvg(svg);
    expect(doc.texts).toEqual(expect.arrayContaining(['Init Duration measured here', 'Predicted AWS Init Duration, x86_64', 'Predicted AWS Init Duration, arm64', 'Round trip seen by the client']));
    expect(doc.texts.some((t) => /^p50 [\d,.]+ \(\d+ % [\d,.]+–[\d,.]+\) family-out/.test(t))).toBe(true);
    expect(svg).toContain('fill="url(#predicted)"');
    // The notes wrap to the chart's width, a line per <text>.
    expect(doc.texts.join(' ')).toContain('Dashed bracket: its prediction interval.');
  });
});
