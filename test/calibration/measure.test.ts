/**
 * One short real calibration measurement: the Python 3.12 calibration function (awslambdaric, prepared by
 * scripts/setup-calibration.sh --for-tests, which scripts/setup.sh runs) through the local service, with
 * two forced cold starts (Init Duration and the file MB each INIT brought in), and its figures set beside
 * lambda-perf's AWS rows. No timing is asserted: only
 * that every cold start was measured and carried an Init Duration.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { calibrationRows } from '../../lib/calibration/calibrate';
import { parseAwsFigures } from '../../lib/calibration/aws-figures';
import { measureColdStarts } from '../../lib/calibration/measure';
import { parseTargetFile, readTargetFile } from '../../lib/targets/target-file';

const ROOT = path.resolve(__dirname, '..', '..');
const TARGET = path.join(ROOT, 'calibration', 'python', 'target-3.12.json');

const AWS_CSV = `runtime,package,architecture,memory_mb,n,init_p50_ms,init_p90_ms,init_p99_ms,init_mean_ms,max_memory_used_mb_mean
python3.12,image,arm64,128,519,129.72,261.61,354.64,148.3,35.0
python3.12,image,x86_64,128,502,150.13,283.52,372.68,173.22,35.9
python3.12,zip,arm64,128,508,80.28,86.71,110.89,78.18,35.8
python3.12,zip,x86_64,128,502,84.92,100.47,134.92,87.93,36.5
`;

describe('calibration measurement through the local service', () => {
  it('forces cold starts of the Python 3.12 calibration function and reads Init Duration from REPORT lines', async () => {
    const target = readTargetFile(TARGET);
    if (!fs.existsSync(target.definition.command)) {
      throw new Error(`${target.definition.command} is missing: run bash scripts/setup-calibration.sh --for-tests`);
    }
    const run = await measureColdStarts([target], { coldStarts: 2, limits: 'off' });
    expect(run.limits).toEqual({ mode: 'off', applied: false, reason: expect.any(String) });
    expect(run.functions).toHaveLength(1);
    const m = run.functions[0];
    expect(m.functionName).toBe('calibration-python312');
    expect(m.initDurationsMs).toHaveLength(2);
    for (const d of m.initDurationsMs) expect(d).toBeGreaterThan(0);
    expect(m.initP50Ms).toBeGreaterThanOrEqual(Math.min(...m.initDurationsMs));
    expect(m.initP90Ms).toBeLessThanOrEqual(Math.max(...m.initDurationsMs));
    expect(m.maxMemoryUsedMB).toHaveLength(2);
    expect(m.maxMemoryUsedMBP50).toBeGreaterThan(0);
    // Its target file names handler.py as its package; the interpreter and awslambdaric are the runtime's.
    expect(m.initPackageFileMB).toHaveLength(2);
    for (const mb of m.initPackageFileMB) expect(mb).toBeLessThan(m.initFileMBP50);
    // The interpreter's binary and libraries are mapped and its modules read before the first GET /next.
    expect(m.initFileMB).toHaveLength(2);
    for (const mb of m.initFileMB) expect(mb).toBeGreaterThan(1);
    expect(m.packageBytes).toBeGreaterThan(0);

    const rows = calibrationRows(run, [target], parseAwsFigures(AWS_CSV));
    expect(rows.map((r) => `${r.packageType} ${r.architecture} ${r.awsInitP50Ms}`)).toEqual(['Zip x86_64 84.92', 'Zip arm64 80.28', 'Image x86_64 150.13', 'Image arm64 129.72']);
    for (const r of rows) {
      expect(r).toMatchObject({ runtime: 'python3.12', family: 'python', localN: 2, awsMemoryMB: 128 });
      // The table keeps 3 decimals: a value rounds by up to half its last place (9.5495 → 9.55), which
      // toBeCloseTo(…, 3) refuses, as it wants strictly less than 0.0005.
      expect(Math.abs(r.localInitP50Ms - m.initP50Ms)).toBeLessThanOrEqual(0.0005 + 1e-9);
      expect(Math.abs(r.localInitFileMB - m.initFileMBP50)).toBeLessThanOrEqual(0.0005 + 1e-9);
    }
  }, 120_000);

  it('drops a droppable function that fails (a hold-out) alone, names it, and keeps measuring the others', async () => {
    const target = readTargetFile(TARGET);
    const shellDir = path.join(ROOT, 'holdout', 'shell');
    const shell = parseTargetFile(
      { ...JSON.parse(fs.readFileSync(path.join(shellDir, 'target.json'), 'utf8')), command: './bootstrap', cwd: '.', packagePath: undefined, packagePaths: ['bootstrap'] },
      { file: path.join(shellDir, 'target.json') },
    );
    // A runtime that exits at once: every cold start of it fails.
    const exiting = parseTargetFile(
      { functionName: 'holdout-exiting', runtime: 'provided.al2023', packageType: 'Zip', handler: 'bootstrap', memorySizeMB: 128, command: 'false', holdOut: { lambdaPerfRuntime: 'go (prov.al2023)' } },
      { file: path.join(shellDir, 'exiting.json') },
    );
    const run = await measureColdStarts([target], { coldStarts: 2, limits: 'off', droppable: [exiting, shell] });
    expect(run.functions.map((f) => [f.functionName, f.initDurationsMs.length])).toEqual([['calibration-python312', 2]]);
    expect(run.droppable!.functions.map((f) => [f.functionName, f.initDurationsMs.length])).toEqual([['holdout-shell', 2]]);
    expect(run.droppable!.dropped).toEqual([expect.stringMatching(/^holdout-exiting \(failed: holdout-exiting: the invocation failed/)]);
  }, 120_000);
});
