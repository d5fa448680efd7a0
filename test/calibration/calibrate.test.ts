import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAwsFigures, findAwsFigure } from '../../lib/calibration/aws-figures';
import { calibrationRows, calibrationTargetFiles, readCalibrationTargets, renderSummary } from '../../lib/calibration/calibrate';
import type { MeasurementRun } from '../../lib/calibration/measure';
import { parseCalibrationTable, renderCalibrationTable, runtimeFamily } from '../../lib/calibration/table';
import { fitModel } from '../../lib/prediction/fit';
import { parseTargetFile } from '../../lib/targets/target-file';

const AWS_CSV = `runtime,package,architecture,memory_mb,n,init_p50_ms,init_p90_ms,init_p99_ms,init_mean_ms,max_memory_used_mb_mean
${['a1', 'b1', 'c1']
  .flatMap((r, i) =>
    ['zip', 'image'].flatMap((pkg) => ['x86_64', 'arm64'].flatMap((arch) => [128, 512].map((mb) => `${r},${pkg},${arch},${mb},500,${(i + 1) * 10 + (pkg === 'image' ? 5 : 0) + (arch === 'arm64' ? -1 : 0)},${(i + 1) * 20},1,1,1`))),
  )
  .join('\n')}
`;

function target(name: string, runtime: string) {
  return parseTargetFile(
    { functionName: name, runtime: 'x', packageType: 'Zip', handler: 'h', memorySizeMB: 128, command: 'true', calibration: { lambdaPerfRuntime: runtime } },
    { file: `/t/${name}.json` },
  );
}

describe('calibration table from a measuring run', () => {
  const targets = [target('fa', 'a1'), target('fb', 'b1'), target('fc', 'c1')];
  const run: MeasurementRun = {
    limits: { mode: 'off', applied: false },
    functions: targets.map((t, i) => ({
      functionName: t.definition.functionName,
      runtimeLabel: 'x',
      packageType: 'Zip',
      initDurationsMs: [i + 1, i + 2],
      initP50Ms: (i + 1) * 5,
      initP90Ms: (i + 1) * 6,
      initFileMB: [i + 1, i + 3],
      initFileMBP50: i + 2,
      initPackageFileMB: [0, 0],
      initPackageFileMBP50: 0,
      maxMemoryUsedMB: [3, 3],
      maxMemoryUsedMBP50: 3,
    })),
  };
  const aws = parseAwsFigures(AWS_CSV);

  it('sets each function beside its runtime\'s 128 MB rows, zip and image, both architectures', () => {
    const rows = calibrationRows(run, targets, aws);
    expect(rows).toHaveLength(12);
    const b = rows.filter((r) => r.runtime === 'b1');
    expect(b.map((r) => [r.packageType, r.architecture, r.awsInitP50Ms, r.awsMemoryMB, r.localInitP50Ms, r.localInitFileMB])).toEqual([
      ['Zip', 'x86_64', 20, 128, 10, 3],
      ['Zip', 'arm64', 19, 128, 10, 3],
      ['Image', 'x86_64', 25, 128, 10, 3],
      ['Image', 'arm64', 24, 128, 10, 3],
    ]);
    // The table file reads back as it was written.
    expect(parseCalibrationTable(renderCalibrationTable(rows))).toEqual(expect.arrayContaining(rows));
    // And the summary names every runtime in every cell.
    const summary = renderSummary(rows, fitModel(rows, { path: 't', sha256: 's' }));
    // And the summary names every runtime in every cell, of the Init Duration model and of the Max Memory Used one.
    for (const r of ['a1', 'b1', 'c1']) expect(summary.split(r).length - 1).toBe(8);
  });

  it('names each point\'s source, and the AWS Max Memory Used where the CSV has it', () => {
    const rows = calibrationRows(run, targets, aws);
    for (const r of rows) expect(r.source).toBe('lambda-perf 2026-07-01..2026-08-22 (commit 6070b794)');
    expect(rows.every((r) => r.localMaxMemoryMB === 3)).toBe(true);
  });

  it('refuses a function whose runtime has no row at all, naming it', () => {
    const none = { functions: [{ ...run.functions[0], functionName: 'fz' }] };
    expect(() => calibrationRows(none, [target('fz', 'zz')], aws)).toThrow("fz: lambda-perf's figures have no zz row at 128 MB (runtimes: a1, b1, c1)");
  });

  it('refuses a CSV with an empty cell, naming the line and the column', () => {
    const lines = AWS_CSV.trim().split('\n');
    const cols = lines[1].split(',');
    cols[5] = '';
    lines[1] = cols.join(',');
    expect(() => parseAwsFigures(lines.join('\n'), 'x.csv')).toThrow(/^x\.csv line 2: \w+ is empty$/);
  });

  it('says which AWS row is missing', () => {
    expect(() => findAwsFigure(aws, { runtime: 'zz', packageType: 'Zip', architecture: 'x86_64', memoryMB: 128 })).toThrow('lambda-perf has no zz Zip x86_64 128 MB row (runtimes: a1, b1, c1)');
    expect(() => parseAwsFigures('runtime,package\n')).toThrow('has no column architecture');
  });

  it('tells language families apart by the runtime label', () => {
    expect(['rust (prov.al2023)', 'python3.12', 'nodejs22.x', 'java17'].map(runtimeFamily)).toEqual(['rust', 'python', 'nodejs', 'java']);
  });
});

describe('calibration target files', () => {
  it('are found in calibration/<function>/target*.json', () => {
    const root = path.resolve(__dirname, '..', '..');
    const files = calibrationTargetFiles(root).map((f) => path.relative(root, f));
    expect(files).toEqual(
      expect.arrayContaining([
        'calibration/rust/target.json',
        'calibration/python/target-3.10.json',
        'calibration/python/target-3.12.json',
        'calibration/node/target.json',
        'calibration/node/target-24.json',
        'calibration/java/target.json',
      ]),
    );
  });

  it('refuses a calibration target file without its lambda-perf runtime', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cal-targets-'));
    try {
      fs.mkdirSync(path.join(dir, 'calibration', 'x'), { recursive: true });
      fs.writeFileSync(
        path.join(dir, 'calibration', 'x', 'target.json'),
        JSON.stringify({ functionName: 'x', runtime: 'x', packageType: 'Zip', handler: 'h', memorySizeMB: 128, command: 'true' }),
      );
      expect(() => readCalibrationTargets(dir)).toThrow('has no "calibration" block naming its lambda-perf runtime');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
