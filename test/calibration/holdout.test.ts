import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultAwsFiguresPath, parseAwsFigures } from '../../lib/calibration/aws-figures';
import {
  builtHoldoutTargets,
  checkHoldouts,
  defaultHoldoutFiguresPath,
  holdoutAwsFiguresLabel,
  HoldoutError,
  holdoutTargetFiles,
  readHoldoutAwsFigures,
  readHoldoutCheckFile,
  readHoldoutTargets,
  renderHoldoutCheck,
  summariseHoldouts,
} from '../../lib/calibration/holdout';
import type { FunctionMeasurement } from '../../lib/calibration/measure';
import { loadFittedModel } from '../../lib/prediction';
import { predictWithModel } from '../../lib/prediction/predict';
import { parseTargetFile } from '../../lib/targets/target-file';

const ROOT = path.resolve(__dirname, '..', '..');
const model = loadFittedModel();

const HOLDOUT_CSV = `runtime,package,architecture,memory_mb,n,init_p50_ms,init_p90_ms,init_p99_ms,init_mean_ms,max_memory_used_mb_mean
go (prov.al2023),zip,arm64,128,260,40,50,60,42,17.0
go (prov.al2023),zip,x86_64,128,260,50,60,70,52,17.0
go (prov.al2023),zip,x86_64,512,260,51,60,70,52,17.0
`;

function holdoutTarget(name: string, runtime: string) {
  return parseTargetFile(
    { functionName: name, runtime: 'provided.al2023', packageType: 'Zip', handler: 'bootstrap', memorySizeMB: 128, command: 'true', holdOut: { lambdaPerfRuntime: runtime } },
    { file: `/t/${name}.json` },
  );
}

function measurement(name: string, initP50Ms: number, fileMB: number, zipBytes: number): FunctionMeasurement {
  return {
    functionName: name,
    runtimeLabel: 'provided.al2023',
    packageType: 'Zip',
    packageBytes: zipBytes,
    initDurationsMs: [initP50Ms, initP50Ms],
    initP50Ms,
    initP90Ms: initP50Ms * 1.2,
    initFileMB: [fileMB, fileMB],
    initFileMBP50: fileMB,
    initPackageFileMB: [fileMB / 2, fileMB / 2],
    initPackageFileMBP50: fileMB / 2,
    maxMemoryUsedMB: [6, 6],
    maxMemoryUsedMBP50: 6,
  };
}

describe('hold-out check', () => {
  const aws = parseAwsFigures(HOLDOUT_CSV);
  const targets = [holdoutTarget('holdout-go', 'go (prov.al2023)')];
  const go = measurement('holdout-go', 3.2, 6, 2.6 * 1048576);

  it("sets the model's prediction, with the interval of a runtime it has not seen, beside AWS's 128 MB p50 in each cell lambda-perf has", () => {
    const rows = checkHoldouts([go], targets, aws, model);
    expect(rows.map((r) => [r.packageType, r.architecture, r.aws.initP50Ms])).toEqual([
      ['Zip', 'x86_64', 50],
      ['Zip', 'arm64', 40],
    ]);
    const predicted = predictWithModel(
      { localInitP50Ms: 3.2, localInitP90Ms: 3.84, localInitFileMB: 6, localPackageFileMB: 3, localMaxMemoryMB: 6, packageType: 'Zip', packageBytes: 2.6 * 1048576 },
      model,
    );
    for (const r of rows) {
      const p = predicted.find((x) => x.architecture === r.architecture)!;
      expect(r.predicted.p50Ms).toBe(p.p50Ms);
      expect([r.predicted.low, r.predicted.high, r.predicted.level]).toEqual([p.interval.low, p.interval.high, p.interval.level]);
      // A runtime outside the calibration set is judged by leaving families out, never by versions.
      expect(r.predicted.validation).toBe('leave-one-family-out');
      expect(r.errorPct).toBeCloseTo(((p.p50Ms - r.aws.initP50Ms) / r.aws.initP50Ms) * 100, 0);
      expect(r.insideInterval).toBe(r.aws.initP50Ms >= p.interval.low && r.aws.initP50Ms <= p.interval.high);
      expect(r.withinBound).toBe(Math.abs(r.errorPct) <= 30);
      expect(r.memory).not.toBeNull();
      expect(r.memory!.awsMB).toBe(17);
    }
  });

  it('counts the cells within ±30 % and inside the interval, and prints each', () => {
    const rows = checkHoldouts([go], targets, aws, model);
    const s = summariseHoldouts(rows);
    expect(s.cells).toBe(2);
    expect(s.withinBound).toBe(rows.filter((r) => Math.abs(r.errorPct) <= 30).length);
    expect(s.maxAbsErrorPct).toBe(Math.max(...rows.map((r) => Math.abs(r.errorPct))));
    expect(s.memory).toEqual({
      cells: 2,
      withinBound: rows.filter((r) => Math.abs(r.memory!.errorPct) <= 30).length,
      insideInterval: rows.filter((r) => r.memory!.insideInterval).length,
      maxAbsErrorPct: Math.max(...rows.map((r) => Math.abs(r.memory!.errorPct))),
    });
    const text = renderHoldoutCheck(rows, ['holdout-cpp (holdout/cpp/dist/bootstrap is not built)']);
    expect(text).toContain('go (prov.al2023)');
    expect(text).toMatch(/within ±30 % of AWS: \d of 2; AWS inside the printed interval: \d of 2/);
    expect(text).toContain('not measured: holdout-cpp');
  });

  it('judges a new version of a family the model knows by leaving one version out, and counts it apart', () => {
    const figures = parseAwsFigures(`${HOLDOUT_CSV}python3.9,zip,x86_64,128,501,76.43,91.42,95,80,31.0\n`);
    const py39 = { ...measurement('holdout-python39', 41, 8.5, 300), initPackageFileMB: [0, 0], initPackageFileMBP50: 0 };
    const rows = checkHoldouts([go, py39], [...targets, holdoutTarget('holdout-python39', 'python3.9')], figures, model);
    const versionRow = rows.find((r) => r.runtime === 'python3.9')!;
    expect(versionRow.predicted.validation).toBe('leave-one-version-out');
    // The interval a target file naming python3.9 gets from the same model.
    const [asTarget] = predictWithModel(
      { localInitP50Ms: 41, localInitP90Ms: 41 * 1.2, localInitFileMB: 8.5, localPackageFileMB: 0, localMaxMemoryMB: 6, packageType: 'Zip', packageBytes: 300, calibrationRuntime: 'python3.9' },
      model,
    );
    expect([versionRow.predicted.low, versionRow.predicted.high, versionRow.predicted.level]).toEqual([asTarget.interval.low, asTarget.interval.high, asTarget.interval.level]);
    const s = summariseHoldouts(rows);
    expect(Object.keys(s.byValidation!).sort()).toEqual(['leave-one-family-out', 'leave-one-version-out']);
    expect(s.byValidation!['leave-one-version-out']!.cells).toBe(1);
    expect(s.byValidation!['leave-one-family-out']!.cells).toBe(2);
    const text = renderHoldoutCheck(rows);
    expect(text).toMatch(/python3\.9 +Zip x86_64 .*\(version out\)/);
    expect(text).toMatch(/new families \(family-out interval\): \d of 2 within ±30 %, \d of 2 inside; new versions of known families \(version-out interval\): \d of 1 within ±30 %, \d of 1 inside/);
  });

  it('refuses a hold-out the model was fitted on, and one lambda-perf has no row of, naming each', () => {
    const rust = [holdoutTarget('holdout-rust', 'rust (prov.al2023)')];
    expect(() => checkHoldouts([measurement('holdout-rust', 1.5, 2, 1048576)], rust, aws, model)).toThrow(
      new HoldoutError("holdout-rust: rust (prov.al2023) is one of the model's calibration points, so it cannot test the model"),
    );
    const swift = [holdoutTarget('holdout-swift', 'apple swift 6.2 (prov.al2)')];
    expect(() => checkHoldouts([measurement('holdout-swift', 9, 20, 1048576)], swift, aws, model)).toThrow(
      /holdout-swift: lambda-perf's hold-out figures have no apple swift 6\.2 \(prov\.al2\) row at 128 MB in a cell the model has \(runtimes: go \(prov\.al2023\)\)/,
    );
    expect(() => checkHoldouts([measurement('stranger', 9, 20, 1048576)], targets, aws, model)).toThrow(/stranger: no hold-out runtime named in its target file/);
  });

  it("reads the repository's hold-outs, each naming a runtime of the carried AWS figures, none of them a calibration runtime", () => {
    const files = holdoutTargetFiles(ROOT);
    expect(files.map((f) => path.relative(ROOT, f))).toEqual(expect.arrayContaining(['holdout/go/target.json', 'holdout/shell/target.json', 'holdout/ruby/target.json']));
    const carried = readHoldoutAwsFigures(defaultHoldoutFiguresPath(ROOT), defaultAwsFiguresPath(ROOT));
    const fitted = new Set(model.calibrationPoints.map((p) => p.runtime));
    for (const f of files) {
      const t = parseTargetFile(JSON.parse(fs.readFileSync(f, 'utf8')), { file: f, sizeOf: () => 0, exists: () => true });
      const runtime = t.holdOut!.lambdaPerfRuntime;
      expect(carried.some((a) => a.runtime === runtime && a.memoryMB === 128 && a.packageType === 'Zip')).toBe(true);
      expect(fitted.has(runtime)).toBe(false);
    }
  });

  it("takes a runtime's AWS figures from one file: the hold-out file's rows, then the carried summary's rows of runtimes the hold-out file lacks", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'holdout-figures-'));
    try {
      const holdoutCsv = path.join(dir, 'holdout.csv');
      const summaryCsv = path.join(dir, 'summary.csv');
      fs.writeFileSync(holdoutCsv, HOLDOUT_CSV);
      // The summary has Go too (other figures, which must not mix in) and Ruby, which the hold-out file lacks.
      fs.writeFileSync(
        summaryCsv,
        `runtime,package,architecture,memory_mb,n,init_p50_ms,init_p90_ms,init_p99_ms,init_mean_ms,max_memory_used_mb_mean
go (prov.al2023),zip,x86_64,128,500,99,99,99,99,99.0
ruby3.2,zip,x86_64,128,502,231.37,381.37,400,250,38.6
`,
      );
      const figures = readHoldoutAwsFigures(holdoutCsv, summaryCsv);
      expect(figures.filter((f) => f.runtime === 'go (prov.al2023)').map((f) => f.initP50Ms)).toEqual([40, 50, 51]);
      expect(figures.filter((f) => f.runtime === 'ruby3.2').map((f) => [f.packageType, f.architecture, f.initP50Ms, f.maxMemoryUsedMBMean])).toEqual([['Zip', 'x86_64', 231.37, 38.6]]);
      expect(holdoutAwsFiguresLabel(holdoutCsv, summaryCsv)).toBe('holdout.csv + summary.csv');
      expect(() => readHoldoutAwsFigures(holdoutCsv, path.join(dir, 'none.csv'))).toThrow(/cannot read lambda-perf's AWS figures .*none\.csv: ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves out a hold-out that is not built, naming it, and refuses a target file without a holdOut block', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'holdout-'));
    try {
      fs.mkdirSync(path.join(dir, 'holdout', 'x'), { recursive: true });
      const file = path.join(dir, 'holdout', 'x', 'target.json');
      fs.writeFileSync(
        file,
        JSON.stringify({ functionName: 'holdout-x', runtime: 'provided.al2023', packageType: 'Zip', handler: 'b', memorySizeMB: 128, command: 'dist/bootstrap', packagePath: 'dist/function.zip', holdOut: { lambdaPerfRuntime: 'x' } }),
      );
      // Described whether built or not (a refit checks stored measurements on a machine that never built it)...
      expect(readHoldoutTargets(dir).map((t) => [t.definition.functionName, t.holdOut?.lambdaPerfRuntime])).toEqual([['holdout-x', 'x']]);
      // ...but measured only when built: its package missing, then its command.
      let { built, missing } = builtHoldoutTargets(dir);
      expect(built).toEqual([]);
      expect(missing).toEqual([expect.stringMatching(/^holdout-x \(not built here: .*"packagePath" cannot be read .*dist\/function\.zip\): ENOENT\)$/)]);
      fs.mkdirSync(path.join(dir, 'holdout', 'x', 'dist'));
      fs.writeFileSync(path.join(dir, 'holdout', 'x', 'dist', 'function.zip'), 'zip');
      ({ built, missing } = builtHoldoutTargets(dir));
      expect(missing).toEqual([expect.stringMatching(/^holdout-x \(not built here: .*"command" .*dist\/bootstrap does not exist\)$/)]);
      fs.writeFileSync(path.join(dir, 'holdout', 'x', 'dist', 'bootstrap'), '#!/bin/sh\n');
      ({ built, missing } = builtHoldoutTargets(dir));
      expect([built.map((t) => t.definition.functionName), missing]).toEqual([['holdout-x'], []]);
      expect(builtHoldoutTargets(dir, ['another']).built).toEqual([]);
      // A command named bare (the Ruby hold-out's "ruby") must be on the PATH the function runs with: Lambda's,
      // or the one its environment sets.
      const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(file, JSON.stringify({ ...spec, command: 'no-such-interpreter-here', cwd: '.' }));
      ({ built, missing } = builtHoldoutTargets(dir));
      expect(missing).toEqual([
        expect.stringMatching(/^holdout-x \(not built here: .*"command" no-such-interpreter-here is not on PATH \(the function's: \/usr\/local\/bin:\/usr\/bin\/:\/bin:\/opt\/bin\)\)$/),
      ]);
      fs.writeFileSync(file, JSON.stringify({ ...spec, command: 'sh', cwd: '.' }));
      expect(builtHoldoutTargets(dir).missing).toEqual([]);
      // sh is in /bin, on Lambda's PATH, but not on one the function's environment sets without it.
      fs.writeFileSync(file, JSON.stringify({ ...spec, command: 'sh', cwd: '.', environment: { PATH: path.join(dir, 'nowhere') } }));
      expect(builtHoldoutTargets(dir).missing).toEqual([expect.stringMatching(/"command" sh is not on PATH \(the function's: .*nowhere\)\)$/)]);
      fs.writeFileSync(file, JSON.stringify({ functionName: 'holdout-x', runtime: 'provided.al2023', packageType: 'Zip', handler: 'b', memorySizeMB: 128, command: 'true' }));
      expect(() => readHoldoutTargets(dir)).toThrow(/target\.json has no "holdOut" block naming its lambda-perf runtime/);
      // No holdout/ at all: nothing to check.
      expect(holdoutTargetFiles(path.join(dir, 'nowhere'))).toEqual([]);
      fs.writeFileSync(path.join(dir, 'check.json'), '{"rows": 1}');
      expect(() => readHoldoutCheckFile(path.join(dir, 'check.json'))).toThrow(/is not what npm run calibrate writes: no "functions" or "rows" array/);
      expect(() => readHoldoutCheckFile(path.join(dir, 'none.json'))).toThrow(/cannot read the hold-out check .*none\.json: ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the carried hold-out figures are what scripts/summarise-lambda-perf.mjs makes of the carried daily records, to the byte", () => {
    const records = path.join(ROOT, 'data', 'lambda-perf', 'holdout', 'records-2026-07-01_2026-08-22.jsonl');
    const csv = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'summarise-lambda-perf.mjs'), records, '--exclude', 'rust (prov.al2023),python3.12'], { encoding: 'utf8' });
    expect(csv).toBe(fs.readFileSync(defaultHoldoutFiguresPath(ROOT), 'utf8'));
  });
});
