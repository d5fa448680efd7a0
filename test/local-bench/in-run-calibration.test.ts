/**
 * The bench's own calibration (lib/local-bench/in-run-calibration.ts), against real processes through
 * the real local Lambda service:
 * - planInRunCalibration decides between calibrating in the run and the committed model, from what is
 *   built in a project root (calibration/<dir>/target*.json) and whether lambda-perf's CSV is there;
 * - InRunCalibration spreads its rounds over the targets' forced cold starts, fits a model on five
 *   fixture functions standing in for the hello worlds of five lambda-perf runtimes, and writes a table
 *   that refits to the same model;
 * - a calibration function whose runtime exits during init makes the run fall back to the committed
 *   model, naming the function, and leaves no process behind;
 * - runLocalBench with `calibration: 'committed'` says which model it used and why, in results.json and
 *   report.md.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { AWS_FIGURES_FILE, defaultAwsFiguresPath, LAMBDA_PERF_SOURCE } from '../../lib/calibration/aws-figures';
import { MODEL_FILE, refitFromTable, TABLE_FILE } from '../../lib/calibration/calibrate';
import { parseCalibrationTable } from '../../lib/calibration/table';
import type { BenchmarkResults } from '../../lib/benchmark/types';
import { InRunCalibration, MIN_IN_RUN_FAMILIES, planInRunCalibration, RUN_CALIBRATION_DIR, writeRunCalibration, type InRunOutcome } from '../../lib/local-bench/in-run-calibration';
import { runLocalBench } from '../../lib/local-bench/run-local-bench';
import { LocalLambdaService } from '../../lib/local-lambda';
import { loadFittedModel, MEASUREMENTS_FILE } from '../../lib/prediction';
import { fitModel } from '../../lib/prediction/fit';
import { readTargetFile, type TargetFile } from '../../lib/targets/target-file';

const ROOT = path.resolve(__dirname, '..', '..');
const RUNTIME = path.join(ROOT, 'test', 'fixtures', 'runtimes', 'test-runtime.cjs');
const LOCAL_CLIENT = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

const work = mkdtempSync(path.join(tmpdir(), 'in-run-calibration-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A target file run by the test runtime (node), standing in for a hello world of `lambdaPerfRuntime` when given. */
function fixtureTarget(file: string, functionName: string, lambdaPerfRuntime: string | undefined, environment: Record<string, string> = {}, command = process.execPath): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify(
      {
        functionName,
        runtime: 'nodejs-fixture',
        packageType: 'Zip',
        handler: 'index.handler',
        memorySizeMB: 128,
        timeoutSeconds: 10,
        command,
        args: [RUNTIME],
        cwd: path.dirname(RUNTIME),
        environment,
        payload: { action: 'echo' },
        ...(lambdaPerfRuntime ? { calibration: { lambdaPerfRuntime } } : {}),
      },
      null,
      2,
    ),
  );
  return file;
}

/** A project root of its own: calibration/<dir>/target.json for each function, and, when asked, lambda-perf's CSV. */
function projectRoot(name: string, functions: { dir: string; runtime: string; built: boolean }[], withCsv = true): string {
  const root = path.join(work, name);
  for (const f of functions) {
    fixtureTarget(path.join(root, 'calibration', f.dir, 'target.json'), `calibration-${f.dir}`, f.runtime, {}, f.built ? process.execPath : './dist/not-built');
  }
  if (withCsv) {
    mkdirSync(path.dirname(defaultAwsFiguresPath(root)), { recursive: true });
    copyFileSync(defaultAwsFiguresPath(ROOT), defaultAwsFiguresPath(root));
  }
  return root;
}

describe('planInRunCalibration', () => {
  const five = [
    { dir: 'rust', runtime: 'rust (prov.al2023)' },
    { dir: 'python', runtime: 'python3.12' },
    { dir: 'node', runtime: 'nodejs22.x' },
    { dir: 'java', runtime: 'java21' },
    { dir: 'bun', runtime: 'bun (prov.al2)' },
  ];

  test("'committed' when asked for, whatever is built", () => {
    const root = projectRoot('asked', five.map((f) => ({ ...f, built: true })));
    expect(planInRunCalibration(root, 'committed')).toEqual({ kind: 'committed', why: 'asked for with --calibration committed' });
  });

  test('every function built and the CSV there: in the run, on all of them, with the rounds asked for', () => {
    const root = projectRoot('all-built', five.map((f) => ({ ...f, built: true })));
    const plan = planInRunCalibration(root, 'in-run', 7);
    expect(plan.kind).toBe('in-run');
    if (plan.kind !== 'in-run') return;
    expect(plan.rounds).toBe(7);
    expect(plan.leftOut).toEqual([]);
    expect(plan.targets.map((t) => t.calibration!.lambdaPerfRuntime).sort()).toEqual(five.map((f) => f.runtime).sort());
  });

  test('commands that do not exist: the committed model, naming the function and the script that builds it', () => {
    const root = projectRoot('none-built', five.map((f) => ({ ...f, built: false })));
    const plan = planInRunCalibration(root, 'in-run');
    expect(plan.kind).toBe('committed');
    if (plan.kind !== 'committed') return;
    expect(plan.why).toContain('calibration-rust');
    expect(plan.why).toContain('setup-calibration.sh');
  });

  test(`fewer than ${MIN_IN_RUN_FAMILIES} families built: the committed model, naming the families that are`, () => {
    const built = new Set(['rust', 'python', 'node']);
    const root = projectRoot('three-built', five.map((f) => ({ ...f, built: built.has(f.dir) })));
    const plan = planInRunCalibration(root, 'in-run');
    expect(plan.kind).toBe('committed');
    if (plan.kind !== 'committed') return;
    const named = new RegExp(`only 3 calibration families are built here \\(([^)]*)\\), fewer than ${MIN_IN_RUN_FAMILIES}`).exec(plan.why);
    expect(named?.[1].split(', ').sort()).toEqual(['nodejs', 'python', 'rust']);
    expect(plan.why).toContain('setup-calibration.sh');
  });

  test('every family but Rust built: the committed model (the .apr prediction leans on the Rust hello world)', () => {
    const root = projectRoot('no-rust', five.map((f) => ({ ...f, built: f.dir !== 'rust' })));
    const plan = planInRunCalibration(root, 'in-run');
    expect(plan.kind).toBe('committed');
    if (plan.kind !== 'committed') return;
    expect(plan.why).toMatch(/the Rust calibration function is not built here/);
    expect(plan.why).toContain('calibration-rust');
  });

  test('one function not built among enough others: in the run, that one left out and named', () => {
    const root = projectRoot('bun-missing', five.map((f) => ({ ...f, built: f.dir !== 'bun' })));
    const plan = planInRunCalibration(root, 'in-run');
    expect(plan.kind).toBe('in-run');
    if (plan.kind !== 'in-run') return;
    expect(plan.targets.map((t) => t.definition.functionName).sort()).toEqual(['calibration-java', 'calibration-node', 'calibration-python', 'calibration-rust']);
    expect(plan.leftOut).toHaveLength(1);
    expect(plan.leftOut[0]).toMatch(/^calibration-bun \(not built here: .*not-built does not exist\)$/);
  });

  test('the hold-outs built under holdout/ go with the plan; one not built is named', () => {
    const root = projectRoot('with-holdouts', five.map((f) => ({ ...f, built: true })));
    for (const [dir, command] of [['go', process.execPath], ['cpp', './dist/not-built']]) {
      const file = fixtureTarget(path.join(root, 'holdout', dir, 'target.json'), `holdout-${dir}`, undefined, {}, command);
      const json = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...json, holdOut: { lambdaPerfRuntime: `${dir} (prov.al2023)` } }));
    }
    const plan = planInRunCalibration(root, 'in-run');
    expect(plan.kind).toBe('in-run');
    if (plan.kind !== 'in-run') return;
    expect(plan.holdouts.map((t) => t.definition.functionName)).toEqual(['holdout-go']);
    expect(plan.holdoutsLeftOut).toEqual([expect.stringMatching(/^holdout-cpp \(.*not-built does not exist\)$/)]);
    // A root without holdout/ plans none.
    const bare = planInRunCalibration(projectRoot('no-holdouts', five.map((f) => ({ ...f, built: true }))), 'in-run');
    expect(bare.kind === 'in-run' ? [bare.holdouts, bare.holdoutsLeftOut] : null).toEqual([[], []]);
  });

  test("lambda-perf's CSV missing: the committed model, naming the file", () => {
    const root = projectRoot('no-csv', five.map((f) => ({ ...f, built: true })), false);
    const plan = planInRunCalibration(root, 'in-run');
    expect(plan.kind).toBe('committed');
    if (plan.kind !== 'committed') return;
    expect(plan.why).toContain(AWS_FIGURES_FILE);
    expect(plan.why).toContain('ENOENT');
  });
});

/** Whether a process is alive (a zombie not yet reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function pidsIn(file: string): number[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

// Five hello worlds of five families, each initialising for a different time (in the order of their AWS
// Init Durations), so that the fitted line has a slope to find.
const HELLO_WORLDS = [
  { name: 'fixture-rust', runtime: 'rust (prov.al2023)', delayMs: 0 },
  { name: 'fixture-python', runtime: 'python3.12', delayMs: 40 },
  { name: 'fixture-node', runtime: 'nodejs22.x', delayMs: 90 },
  { name: 'fixture-java', runtime: 'java21', delayMs: 160 },
  { name: 'fixture-bun', runtime: 'bun (prov.al2)', delayMs: 250 },
];

function helloWorlds(dir: string, pidLog: string, crash?: string): TargetFile[] {
  return HELLO_WORLDS.map((h) =>
    readTargetFile(
      fixtureTarget(path.join(work, dir, `${h.name}.json`), h.name, h.runtime, {
        FIXTURE_INIT_DELAY_MS: String(h.delayMs),
        FIXTURE_PID_LOG: pidLog,
        ...(h.name === crash ? { FIXTURE_INIT: 'crash' } : {}),
      }),
    ),
  );
}

describe('InRunCalibration, five fixture hello worlds on the local service', () => {
  const ROUNDS = 3;
  const EXPECTED = 6;
  const pidLog = path.join(work, 'end-to-end-pids.log');
  const targets = helloWorlds('end-to-end', pidLog);
  let service: LocalLambdaService;
  let lambda: LambdaClient;
  let calibration: InRunCalibration;
  const roundsAfterCall: number[] = [];
  const fallbacks: string[] = [];
  let outcome: InRunOutcome;

  /** Rounds measured so far, as the service saw them: one init footprint per cold start of each function. */
  const coldStartsOf = (name: string) => service.initFootprints(name).size;

  beforeAll(async () => {
    service = await LocalLambdaService.start({ limits: 'off' });
    lambda = new LambdaClient({ ...LOCAL_CLIENT, endpoint: service.endpoint, maxAttempts: 1 });
    calibration = new InRunCalibration({
      projectRoot: ROOT,
      targets,
      rounds: ROUNDS,
      expectedTargetColdStarts: EXPECTED,
      service,
      lambda,
      limitsMode: 'off',
      onFallback: (why) => fallbacks.push(why),
    });
    for (let call = 1; call <= EXPECTED; call++) {
      // Tasks other than a forced cold start never run a round.
      await calibration.beforeTask('invokeWarm');
      await calibration.beforeTask('forceColdStart');
      roundsAfterCall.push(coldStartsOf(targets[0].definition.functionName));
      expect(targets.map((t) => coldStartsOf(t.definition.functionName))).toEqual(targets.map(() => roundsAfterCall[call - 1]));
    }
    outcome = await calibration.finish();
  }, 120_000);

  afterAll(async () => {
    lambda?.destroy();
    await service?.stop();
  });

  test('the rounds are spread over the targets\' forced cold starts: round k after the call that makes it due', () => {
    // beforeTask's rule: after call n, floor(n × rounds / expected) rounds are due, never more than `rounds`.
    const due = Array.from({ length: EXPECTED }, (_, i) => Math.min(ROUNDS, Math.floor(((i + 1) * ROUNDS) / EXPECTED)));
    expect(roundsAfterCall).toEqual(due);
    expect(roundsAfterCall[EXPECTED - 1]).toBe(ROUNDS);
    // Each cold start was a new runtime process.
    expect(new Set(pidsIn(pidLog)).size).toBe(ROUNDS * targets.length);
    expect(fallbacks).toEqual([]);
  });

  test('finish() fits a model on the five runtimes, with their lambda-perf source and the machine', () => {
    expect(outcome.kind).toBe('in-run');
    if (outcome.kind !== 'in-run') return;
    const { model, source } = outcome;
    expect(model.schemaVersion).toBe(3);
    expect(model.calibrationPoints.map((p) => p.runtime)).toEqual(HELLO_WORLDS.map((h) => h.runtime).sort());
    for (const p of model.calibrationPoints) expect(p.source).toBe('lambda-perf 2026-07-01..2026-08-22 (commit 6070b794)');
    expect(model.sources).toEqual([LAMBDA_PERF_SOURCE]);
    expect(model.table.path).toBe(`${RUN_CALIBRATION_DIR}/${TABLE_FILE}`);
    // Every cell lambda-perf has for the five runtimes at 128 MB: zip and image, both architectures.
    expect(model.cells.map((c) => `${c.packageType} ${c.architecture}`).sort()).toEqual(['Image arm64', 'Image x86_64', 'Zip arm64', 'Zip x86_64']);
    for (const c of model.cells) expect(c.families).toEqual(['bun', 'java', 'nodejs', 'python', 'rust']);
    expect(model.calibratedOn).toMatchObject({ limitsApplied: service.limits.applied });
    expect(source).toMatchObject({ kind: 'in-run', coldStartsPerFunction: ROUNDS, functions: HELLO_WORLDS.map((h) => h.name) });
    expect(source.why).toMatch(/^calibrated in this run/);
    expect(source.measuringSeconds).toBeGreaterThan(0);
  });

  test('its files are the table, the model and the measurements, and the table refits to the same model', () => {
    if (outcome.kind !== 'in-run') throw new Error(`expected an in-run model, got ${JSON.stringify(outcome.source)}`);
    expect(outcome.files.map((f) => f.name)).toEqual(['calibration-table.csv', 'fitted-model.json', 'local-measurements.json']);
    const body = (name: string) => outcome.kind === 'in-run' && outcome.files.find((f) => f.name === name)!.body;
    const rows = parseCalibrationTable(body(TABLE_FILE) as string);
    expect(new Set(rows.map((r) => r.localN))).toEqual(new Set([ROUNDS]));
    // What predicts is the fit with the machine it saw and the committed model's half-widths under its own;
    // the file is the fit alone.
    const { calibratedOn: _machine, intervalFloor, ...fitted } = outcome.model;
    expect(intervalFloor?.from).toEqual(loadFittedModel().table);
    expect(fitModel(rows, outcome.model.table)).toEqual(fitted);
    expect(JSON.parse(body(MODEL_FILE) as string)).toEqual(fitted);

    // Written as the bench writes it, beside a run's results, then refitted the way `npm run calibrate --refit` does.
    const resultsDir = path.join(work, 'end-to-end-results');
    writeRunCalibration(resultsDir, outcome.files);
    const refit = refitFromTable(resultsDir, path.join(resultsDir, RUN_CALIBRATION_DIR));
    expect(refit.model).toEqual(fitted);
    expect(readFileSync(path.join(resultsDir, RUN_CALIBRATION_DIR, MODEL_FILE), 'utf8')).toBe(body(MODEL_FILE));
    const measurements = JSON.parse(readFileSync(path.join(resultsDir, RUN_CALIBRATION_DIR, MEASUREMENTS_FILE), 'utf8'));
    expect(measurements).toMatchObject({ coldStartsPerFunction: ROUNDS, limits: { mode: 'off' }, awsFigures: AWS_FIGURES_FILE });
    expect(measurements.functions.map((f: { functionName: string; initDurationsMs: number[] }) => [f.functionName, f.initDurationsMs.length])).toEqual(
      HELLO_WORLDS.map((h) => [h.name, ROUNDS]),
    );
  });
});

describe('InRunCalibration, a calibration function whose runtime exits during init', () => {
  const pidLog = path.join(work, 'crash-pids.log');
  const targets = helloWorlds('crash', pidLog, 'fixture-java');
  const fallbacks: string[] = [];
  let outcome: InRunOutcome;
  let service: LocalLambdaService;
  let pidsBeforeStop: number[];

  beforeAll(async () => {
    service = await LocalLambdaService.start({ limits: 'off' });
    const lambda = new LambdaClient({ ...LOCAL_CLIENT, endpoint: service.endpoint, maxAttempts: 1 });
    try {
      const calibration = new InRunCalibration({
        projectRoot: ROOT,
        targets,
        rounds: 2,
        expectedTargetColdStarts: 2,
        service,
        lambda,
        limitsMode: 'off',
        onFallback: (why) => fallbacks.push(why),
      });
      await calibration.beforeTask('forceColdStart');
      await calibration.beforeTask('forceColdStart');
      outcome = await calibration.finish();
    } finally {
      pidsBeforeStop = service.environmentPids();
      lambda.destroy();
      await service.stop();
    }
  }, 120_000);

  test('finish() gives the committed model, with why naming the function; onFallback was told once', () => {
    expect(outcome.kind).toBe('committed');
    expect(outcome.source.kind).toBe('committed');
    expect(outcome.source.why).toMatch(/^a calibration function failed in this run: fixture-java: /);
    expect(fallbacks).toEqual([outcome.source.why]);
    // The first round stopped at the failing function: no round was complete, and none was tried again.
    expect(outcome.source.coldStartsPerFunction).toBe(0);
    expect('files' in outcome).toBe(false);
  });

  test('no process is left once the service has stopped', () => {
    const started = pidsIn(pidLog);
    // The functions before the failing one, and the failing one itself, were started.
    expect(started.length).toBeGreaterThanOrEqual(HELLO_WORLDS.findIndex((h) => h.name === 'fixture-java') + 1);
    expect(service.environmentPids()).toEqual([]);
    expect([...started, ...pidsBeforeStop].filter(alive)).toEqual([]);
  });
});

/** A fixture function standing in for the hello world of a hold-out runtime. */
function holdoutFixture(dir: string, name: string, runtime: string, pidLog: string, crash = false): TargetFile {
  const t = readTargetFile(
    fixtureTarget(path.join(work, dir, `${name}.json`), name, undefined, { FIXTURE_INIT_DELAY_MS: '5', FIXTURE_PID_LOG: pidLog, ...(crash ? { FIXTURE_INIT: 'crash' } : {}) }),
  );
  return { ...t, holdOut: { lambdaPerfRuntime: runtime } };
}

describe('InRunCalibration with hold-outs: checked against the run\'s model; a failing one costs only its check', () => {
  const ROUNDS = 2;

  /** The five hello worlds and the hold-outs, on a service of their own. */
  async function calibrate(dir: string, holdouts: TargetFile[], projectRoot = ROOT): Promise<InRunOutcome> {
    const pidLog = path.join(work, `${dir}-pids.log`);
    const service = await LocalLambdaService.start({ limits: 'off' });
    const lambda = new LambdaClient({ ...LOCAL_CLIENT, endpoint: service.endpoint, maxAttempts: 1 });
    try {
      const calibration = new InRunCalibration({
        projectRoot,
        targets: helloWorlds(dir, pidLog),
        rounds: ROUNDS,
        expectedTargetColdStarts: ROUNDS,
        service,
        lambda,
        limitsMode: 'off',
        holdouts,
        holdoutsLeftOut: ['holdout-cpp (not built here)'],
      });
      return await calibration.finish();
    } finally {
      lambda.destroy();
      await service.stop();
    }
  }

  test('a hold-out measured in the same rounds is checked against the model fitted in the run, and its check kept beside the calibration', async () => {
    const outcome = await calibrate('holdout-good', [holdoutFixture('holdout-good', 'fixture-go', 'go (prov.al2023)', path.join(work, 'holdout-good-pids.log'))]);
    expect(outcome.kind).toBe('in-run');
    if (outcome.kind !== 'in-run') return;
    // Their time is counted apart, within the calibration's.
    expect(outcome.source.holdouts).toEqual(['fixture-go']);
    expect(outcome.source.holdoutSeconds).toBeGreaterThan(0);
    expect(outcome.source.holdoutSeconds).toBeLessThanOrEqual(outcome.source.measuringSeconds!);
    // Never fitted on: the model's points are the five hello worlds.
    expect(outcome.model.calibrationPoints.map((p) => p.runtime)).not.toContain('go (prov.al2023)');
    const check = outcome.holdoutCheck;
    expect(check && 'cells' in check ? check.runtimes : check).toEqual(['go (prov.al2023)']);
    expect(check && 'cells' in check ? check.cells : 0).toBe(4);
    const file = outcome.files.find((f) => f.name === 'holdout-check.json');
    expect(file).toBeDefined();
    const parsed = JSON.parse(file!.body);
    expect(parsed.model).toEqual(outcome.model.table);
    expect(parsed.coldStartsPerFunction).toBe(ROUNDS);
    expect(parsed.notMeasured).toEqual(['holdout-cpp (not built here)']);
    expect(parsed.rows.every((r: { predicted: { validation: string } }) => r.predicted.validation === 'leave-one-family-out')).toBe(true);
  }, 120_000);

  test("with no readable committed model the run's intervals have no floor, and its source says why", async () => {
    // A project whose lambda-perf figures are the real ones and whose committed model is not JSON.
    const root = path.join(work, 'no-committed-model');
    mkdirSync(path.join(root, 'data', 'calibration'), { recursive: true });
    symlinkSync(path.join(ROOT, 'data', 'lambda-perf'), path.join(root, 'data', 'lambda-perf'));
    writeFileSync(path.join(root, 'data', 'calibration', 'fitted-model.json'), 'not a model');
    const outcome = await calibrate('no-floor', [holdoutFixture('no-floor', 'fixture-go', 'go (prov.al2023)', path.join(work, 'no-floor-pids.log'))], root);
    expect(outcome.kind).toBe('in-run');
    if (outcome.kind !== 'in-run') return;
    expect(outcome.model.intervalFloor).toBeUndefined();
    expect(outcome.source.why).toMatch(/; its intervals have no floor from the committed model \(.*fitted-model\.json/);
    // With the real committed model beside it, the same calibration carries the floor.
    const floored = await calibrate('with-floor', [holdoutFixture('with-floor', 'fixture-go', 'go (prov.al2023)', path.join(work, 'with-floor-pids.log'))]);
    expect(floored.kind === 'in-run' && floored.model.intervalFloor?.from).toEqual(loadFittedModel().table);
    expect(floored.source.why).not.toMatch(/no floor/);
  }, 120_000);

  test('a hold-out whose runtime exits during init: the run still calibrates, the check is unavailable and says which', async () => {
    const outcome = await calibrate('holdout-crash', [holdoutFixture('holdout-crash', 'fixture-crashing', 'go (prov.al2023)', path.join(work, 'holdout-crash-pids.log'), true)]);
    expect(outcome.kind).toBe('in-run');
    if (outcome.kind !== 'in-run') return;
    expect(outcome.holdoutCheck).toEqual({ unavailable: expect.stringMatching(/^every hold-out failed in this run: fixture-crashing \(failed: .*fixture-crashing/) });
    expect(outcome.files.map((f) => f.name)).not.toContain('holdout-check.json');
  }, 120_000);

  test('one hold-out that fails is dropped alone: the others are checked, and the check names it', async () => {
    const outcome = await calibrate('holdout-one-crash', [
      holdoutFixture('holdout-one-crash', 'fixture-crashing', 'shell (prov.al2023)', path.join(work, 'holdout-one-crash-pids.log'), true),
      holdoutFixture('holdout-one-crash', 'fixture-go', 'go (prov.al2023)', path.join(work, 'holdout-one-crash-pids.log')),
    ]);
    expect(outcome.kind).toBe('in-run');
    if (outcome.kind !== 'in-run') return;
    const check = outcome.holdoutCheck;
    expect(check && 'cells' in check ? [check.runtimes, check.cells] : check).toEqual([['go (prov.al2023)'], 4]);
    expect(check && 'cells' in check ? check.failed : check).toEqual([expect.stringMatching(/^fixture-crashing \(failed: /)]);
    const parsed = JSON.parse(outcome.files.find((f) => f.name === 'holdout-check.json')!.body);
    expect(parsed.coldStartsPerFunction).toBe(ROUNDS);
    expect(parsed.notMeasured).toEqual(['holdout-cpp (not built here)', expect.stringMatching(/^fixture-crashing \(failed: /)]);
    expect(parsed.functions.map((f: { functionName: string }) => f.functionName)).toEqual(['fixture-go']);
  }, 120_000);
});

describe('runLocalBench with --calibration committed', () => {
  const outDir = path.join(work, 'bench-results');
  let results: BenchmarkResults;
  let status: string;
  const stages: string[] = [];

  beforeAll(async () => {
    const target = readTargetFile(fixtureTarget(path.join(work, 'bench', 'target.json'), 'fixture-bench', undefined));
    const outcome = await runLocalBench({
      projectRoot: ROOT,
      targets: [],
      targetFiles: [target],
      coldStarts: 2,
      warmInvocations: 2,
      outDir,
      limits: 'off',
      parity: 'off',
      calibration: 'committed',
      onStage: (m) => stages.push(m),
    });
    status = outcome.status;
    results = outcome.results!;
  }, 120_000);

  test('results.json says the committed model was used, and why; nothing was calibrated in the run', () => {
    expect(status).toBe('SUCCEEDED');
    const model = results.predictionModel;
    expect(model).toBeDefined();
    expect(model).not.toHaveProperty('unavailable');
    expect(model && 'source' in model ? model.source : undefined).toEqual({ kind: 'committed', why: 'asked for with --calibration committed' });
    expect(existsSync(path.join(outDir, RUN_CALIBRATION_DIR))).toBe(false);
    expect(stages.filter((s) => /calibrat/.test(s))).toEqual([]);
  });

  test('report.md names which model predicted', () => {
    const md = readFileSync(path.join(outDir, 'report.md'), 'utf8');
    expect(md).toContain('**Which model**: the committed model (data/calibration/fitted-model.json): asked for with --calibration committed.');
  });
});
