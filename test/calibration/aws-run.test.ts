import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../bin/calibrate';
import type { BenchmarkResults } from '../../lib/benchmark/types';
import { awsRunIdentity, awsRunPoints, awsRunRuntimeLabel, ladderTargetOf, mergeAwsRunRows, parseAwsRunSource, readAwsAndLocalRuns } from '../../lib/calibration/aws-run-points';
import { MODEL_FILE, TABLE_FILE } from '../../lib/calibration/calibrate';
import { type CalibrationRow, parseCalibrationTable } from '../../lib/calibration/table';
import { LocalLambdaService } from '../../lib/local-lambda';
import type { FittedModel } from '../../lib/prediction/types';
import { AWS_FIXTURE_LABEL, produceAwsRunOnMoto } from '../compare/aws-run-on-moto';
import { MOTO_REGION, startMoto, type MotoServer } from '../moto/moto';

/**
 * `npm run calibrate -- --aws-run DIR --local-run DIR` on real runs. The local run is made by the real
 * bench (`npm run bench`, the .apr function, a few cold starts). The AWS run is made by the project's own
 * AWS path on moto + the local service (test/compare/aws-run-on-moto.ts: the state machine's Task handlers
 * against moto's Lambda, CloudWatch Logs and S3, the function run by the local service, the result files
 * downloaded as bench:aws downloads them): its figures are the local service's, not AWS's; the test checks
 * the files and the matching, not the numbers.
 *
 * The table the points are added to is the committed calibration measurements
 * (data/calibration/local-measurements.json) beside lambda-perf's figures, tabulated by calibrationRows as
 * `npm run calibrate` tabulates them. Every figure the tests expect is read from the runs' own results.json.
 */
jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '..', '..');
const RUN = 'moto-calibrate-run';

let work: string;
let localRun: string;
let awsRun: string;
let baseTable: string;

function bench(out: string): void {
  // The committed model predicts: the points take the local run's measured figures, not its predictions.
  const args = ['run', 'bench', '--', '--targets', 'apr', '--cold-starts', '5', '--warm', '3', '--parity', 'off', '--calibration', 'committed', '--no-setup', '--out', out];
  const run = spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8', timeout: 200_000 });
  if (run.status !== 0) throw new Error(`npm ${args.join(' ')} exited ${run.status}:\n${(run.stderr + run.stdout).slice(-3000)}`);
}

/** The committed calibration table: lambda-perf's points, as `npm run calibrate` wrote them. */
function committedTable(): string {
  return readFileSync(path.join(ROOT, 'data', 'calibration', 'calibration-table.csv'), 'utf8');
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'apr-bench-calibrate-aws-'));
  localRun = path.join(work, 'local');
  bench(localRun);
  // AWS path on moto + local service.
  let moto: MotoServer | undefined;
  let service: LocalLambdaService | undefined;
  try {
    moto = await startMoto();
    service = await LocalLambdaService.start({ limits: 'off' });
    awsRun = await produceAwsRunOnMoto({ motoEndpoint: moto.endpoint, service, run: RUN, coldStarts: 5, warmInvocations: 3, outParent: path.join(work, 'aws') });
  } finally {
    await service?.stop();
    await moto?.stop();
  }
  baseTable = committedTable();
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function calibrate(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** A data directory holding the base table only. */
function dataDir(name: string): string {
  const dir = path.join(work, 'data', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, TABLE_FILE), baseTable);
  return dir;
}

/** Every file of a directory with its bytes: what "nothing written" compares. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f), 'latin1')]));
}

function results(dir: string): BenchmarkResults {
  return JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as BenchmarkResults;
}

/** A copy of a run directory under `parent/<name>/` whose results.json `edit` changes: a run made bad on purpose. */
function editedCopy(from: string, parent: string, name: string, edit: (r: BenchmarkResults) => void): string {
  const dir = path.join(work, parent, name);
  mkdirSync(path.dirname(dir), { recursive: true });
  cpSync(from, dir, { recursive: true });
  const r = results(dir);
  edit(r);
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify(r, null, 2));
  return dir;
}

const tableRows = (dir: string): CalibrationRow[] => parseCalibrationTable(readFileSync(path.join(dir, TABLE_FILE), 'utf8'));
const model = (dir: string): FittedModel => JSON.parse(readFileSync(path.join(dir, MODEL_FILE), 'utf8')) as FittedModel;

describe('calibrate --aws-run on a run of the AWS path on moto + the local service', () => {
  test(`the run's target becomes a point in its cell, its figures the runs' own, its source the run's name, region and date (${AWS_FIXTURE_LABEL})`, async () => {
    const dir = dataDir('add');
    const r = await calibrate('--aws-run', awsRun, '--local-run', localRun, '--data-dir', dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const aws = results(awsRun);
    const local = results(localRun);
    const source = `aws-run ${RUN} ${MOTO_REGION} ${aws.startedAt.slice(0, 10)}`;
    const rows = tableRows(dir);
    const added = rows.filter((x) => x.source.startsWith('aws-run'));
    expect(added).toHaveLength(1);
    const [row] = added;
    const a = aws.targets.apr;
    const l = local.targets.apr;
    expect(row).toMatchObject({
      calibrationFunction: 'apr',
      runtime: awsRunRuntimeLabel('apr', RUN),
      family: 'apr',
      source,
      packageType: 'Zip',
      architecture: a.architecture,
      awsMemoryMB: a.memorySizeMB,
      awsN: a.cold.initMs!.n,
      localN: l.cold.initMs!.n,
    });
    expect(row.awsInitP50Ms).toBeCloseTo(a.cold.initMs!.p50, 3);
    expect(row.awsInitP90Ms).toBeCloseTo(a.cold.initMs!.p90, 3);
    expect(row.awsMaxMemoryMB!).toBeCloseTo(a.cold.maxMemoryMB!.p50, 3);
    expect(row.localInitP50Ms).toBeCloseTo(l.cold.initMs!.p50, 3);
    expect(row.localInitP90Ms).toBeCloseTo(l.cold.initMs!.p90, 3);
    expect(row.localInitFileMB).toBeCloseTo(l.cold.initFileMB!.p50, 3);
    expect(row.localPackageFileMB).toBeCloseTo(l.cold.initPackageFileMB?.p50 ?? 0, 3);
    expect(row.localMaxMemoryMB).toBeCloseTo(l.cold.maxMemoryMB!.p50, 3);
    expect(row.packageZipMB).toBeCloseTo(a.packageBytes / 1048576, 3);
    expect(row.awsN).toBe(5);
    // lambda-perf's rows are all kept, unchanged.
    expect(rows.filter((x) => !x.source.startsWith('aws-run'))).toEqual(expect.arrayContaining(parseCalibrationTable(baseTable)));
    expect(rows).toHaveLength(parseCalibrationTable(baseTable).length + 1);
    // The model names the point and its source, and leaves the target's family out on its own.
    const m = model(dir);
    expect(m.sources).toContain(source);
    expect(m.calibrationPoints.find((p) => p.runtime === row.runtime)).toMatchObject({ family: 'apr', source });
    const cell = m.cells.find((c) => c.packageType === 'Zip' && c.architecture === row.architecture)!;
    expect(cell.families).toContain('apr');
    expect(cell.leaveOneFamilyOut.find((x) => x.runtime === row.runtime)?.family).toBe('apr');
    // The console: the point, then the summary naming the sources.
    expect(r.out).toContain(`${source}: 1 calibration point added`);
    expect(r.out).toMatch(new RegExp(`calibration points' sources: .*${source}`));
    // Its row of the summary's table lines up with the header, however long the execution's name.
    const lines = r.out.split('\n');
    const header = lines.find((x) => /^ {2}runtime +local p50/.test(x))!;
    expect(lines.find((x) => x.startsWith(`  ${row.runtime} `))).toHaveLength(header.length);
  });

  test('a refit with the AWS run\'s point reproduces byte for byte: the same run again, --refit, and --refit from the table alone in a fresh directory', async () => {
    const dir = dataDir('bytes');
    expect((await calibrate('--aws-run', awsRun, '--local-run', localRun, '--data-dir', dir)).code).toBe(0);
    const first = snapshot(dir);
    // The same run again: its row replaced, not duplicated.
    const again = await calibrate('--aws-run', awsRun, '--local-run', localRun, '--data-dir', dir);
    expect(again.code).toBe(0);
    expect(again.out).toContain('(replacing 1 row of the same run)');
    expect(snapshot(dir)).toEqual(first);
    expect((await calibrate('--refit', '--data-dir', dir)).code).toBe(0);
    expect(snapshot(dir)).toEqual(first);
    // A fresh directory at the same path (the model records the table's path) holding the written table only.
    renameSync(dir, `${dir}-first`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, TABLE_FILE), first[TABLE_FILE], 'latin1');
    expect((await calibrate('--refit', '--data-dir', dir)).code).toBe(0);
    expect(readFileSync(path.join(dir, MODEL_FILE), 'latin1')).toBe(first[MODEL_FILE]);
  });

  test('configurations of a ladder map to their target: <target>-arm64 is its arm64 point, another memory size is not used; a target the local run lacks is refused and nothing is written, or left out with --skip-unmatched', async () => {
    // The moto run's apr entry copied under the keys a ladder run gives its configurations
    // (lib/targets/deployment-plan.ts functionKey), and under a target the local run did not measure.
    const ladder = editedCopy(awsRun, 'aws-ladder', 'moto-calibrate-ladder', (r) => {
      r.run = 'moto-calibrate-ladder';
      r.targets['apr-arm64'] = { ...r.targets.apr, architecture: 'arm64' };
      r.targets['apr-1024'] = { ...r.targets.apr, memorySizeMB: 1024 };
      r.targets.numpy = { ...r.targets.apr };
    });
    const dir = dataDir('ladder');
    const before = snapshot(dir);
    const refused = await calibrate('--aws-run', ladder, '--local-run', localRun, '--data-dir', dir);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('1 of the AWS run\'s points cannot be matched with the local run, so nothing was written (--skip-unmatched leaves them out instead)');
    expect(refused.err).toContain('  - numpy (x86_64): the local run did not measure numpy (its targets: apr)');
    expect(snapshot(dir)).toEqual(before);

    const skipped = await calibrate('--aws-run', ladder, '--local-run', localRun, '--data-dir', dir, '--skip-unmatched');
    expect(skipped.code).toBe(0);
    expect(skipped.err).toContain('skipped (--skip-unmatched): numpy (x86_64): the local run did not measure numpy');
    expect(skipped.err).toContain('not used: apr-1024 (1024 MB): another memory size of apr x86_64; the point uses apr (128 MB)');
    const added = tableRows(dir).filter((x) => x.source.startsWith('aws-run'));
    expect(added.map((x) => [x.runtime, x.family, x.packageType, x.architecture, x.awsMemoryMB])).toEqual([
      [awsRunRuntimeLabel('apr', 'moto-calibrate-ladder'), 'apr', 'Zip', 'arm64', 128],
      [awsRunRuntimeLabel('apr', 'moto-calibrate-ladder'), 'apr', 'Zip', 'x86_64', 128],
    ]);
    expect(model(dir).cells.filter((c) => c.families.includes('apr')).map((c) => `${c.packageType} ${c.architecture}`).sort()).toEqual(['Zip arm64', 'Zip x86_64']);
  });

  test('a second AWS run adds its own points beside the first run\'s, which stay', async () => {
    const dir = dataDir('two-runs');
    const other = editedCopy(awsRun, 'aws-other', 'moto-calibrate-other', (r) => {
      r.run = 'moto-calibrate-other';
    });
    expect((await calibrate('--aws-run', awsRun, '--local-run', localRun, '--data-dir', dir)).code).toBe(0);
    expect((await calibrate('--aws-run', other, '--local-run', localRun, '--data-dir', dir)).code).toBe(0);
    const runs = tableRows(dir)
      .map((x) => parseAwsRunSource(x.source)?.run)
      .filter((x) => x !== undefined)
      .sort();
    expect(runs).toEqual(['moto-calibrate-other', RUN]);
  });
});

describe('refused, with every reason named and nothing written', () => {
  async function expectRefused(args: string[], messages: string[]): Promise<void> {
    const dir = dataDir(`refused-${Math.random().toString(36).slice(2)}`);
    const before = snapshot(dir);
    const r = await calibrate(...args, '--data-dir', dir);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    for (const m of messages) expect(r.err).toContain(m);
    expect(snapshot(dir)).toEqual(before);
  }

  test('the runs swapped: a local run given as the AWS run, and an AWS run as the local one, both named', async () => {
    await expectRefused(
      ['--aws-run', localRun, '--local-run', awsRun],
      [`--aws-run ${localRun} is a local run (results.json "backend": "local")`, `--local-run ${awsRun} is an aws run (results.json "backend": "aws")`],
    );
  });

  test('a directory that is not a run, and --aws-run without --local-run', async () => {
    await expectRefused(['--aws-run', path.join(work, 'aws'), '--local-run', localRun], [`${path.join(work, 'aws')} is not a benchmark run: it has no results.json`, `It holds runs below it:`]);
    await expectRefused(['--aws-run', awsRun], ['--aws-run and --local-run go together', '--local-run is missing']);
  });

  test('no Init Duration on AWS, none locally, no init file MB locally, package types that differ: each point\'s reasons together', async () => {
    const noAwsInit = editedCopy(awsRun, 'aws-no-init', RUN, (r) => {
      r.targets.apr.cold = { ...r.targets.apr.cold, n: 0, initMs: null };
    });
    await expectRefused(['--aws-run', noAwsInit, '--local-run', localRun], ['  - apr (x86_64): the AWS run has no cold start with an Init Duration for apr']);
    const noLocalInit = editedCopy(localRun, 'local-no-init', 'local', (r) => {
      r.targets.apr.cold = { ...r.targets.apr.cold, n: 0, initMs: null };
    });
    await expectRefused(['--aws-run', awsRun, '--local-run', noLocalInit], ['  - apr (x86_64): the local run has no cold start with an Init Duration for apr']);
    // Two reasons of one point: no file MB locally, and an image on AWS against a zip here.
    const noFileMB = editedCopy(localRun, 'local-no-file-mb', 'local', (r) => {
      delete r.targets.apr.cold.initFileMB;
    });
    const image = editedCopy(awsRun, 'aws-image', RUN, (r) => {
      r.targets.apr.runtime = 'container-image';
    });
    await expectRefused(
      ['--aws-run', image, '--local-run', noFileMB],
      [
        "  - apr (x86_64): the local run did not measure the file MB apr's cold starts brought in during INIT (the model's second input); " +
          'package types differ: Image on AWS (runtime container-image), Zip in the local run (runtime provided.al2023)',
      ],
    );
  });

  test('an AWS run whose manifest names no region, or whose directory is not an execution name', async () => {
    const noRegion = editedCopy(awsRun, 'aws-no-region', RUN, (r) => {
      delete r.environment.region;
    });
    await expectRefused(['--aws-run', noRegion, '--local-run', localRun], ['"environment"."region" is null, expected the AWS region the run was measured in']);
    // Results that record their run's name keep it when the directory is renamed.
    const { aws: renamedRun } = readAwsAndLocalRuns(editedCopy(awsRun, 'aws-renamed-named', 'my run.copy', () => undefined), localRun);
    expect(awsRunIdentity(renamedRun).run).toBe(RUN);
    // Results written before the name was recorded are named by their directory, which must be an execution name.
    const renamed = editedCopy(awsRun, 'aws-renamed', 'my run.copy', (r) => {
      delete r.run;
    });
    await expectRefused(['--aws-run', renamed, '--local-run', localRun], ['the AWS run\'s execution name is its directory\'s name', '"my run.copy" is not one']);
  });
});

describe('the pure parts', () => {
  test('a configuration key maps to the local run\'s longest target it extends by -arm64 and/or -<memory MB>', () => {
    const keys = ['apr', 'apr-runtime-crate', 'numpy'];
    expect(ladderTargetOf('apr-arm64', {}, keys)).toBe('apr');
    expect(ladderTargetOf('apr-runtime-crate-arm64-512', {}, keys)).toBe('apr-runtime-crate');
    expect(ladderTargetOf('numpy-1024mb', {}, keys)).toBe('numpy');
    expect(ladderTargetOf('pytorch-arm64', {}, keys)).toBe('pytorch');
    expect(ladderTargetOf('anything', { ladderTarget: 'apr' }, keys)).toBe('apr');
  });

  test('merging replaces the rows of the same run and region only', () => {
    const { aws, local } = readAwsAndLocalRuns(awsRun, localRun);
    const points = awsRunPoints(aws, local);
    const base = parseCalibrationTable(baseTable);
    const once = mergeAwsRunRows(base, points);
    expect(once.replaced).toBe(0);
    expect(mergeAwsRunRows(once.rows, points)).toEqual({ rows: once.rows, replaced: 1 });
    const elsewhere = { ...points, identity: { ...points.identity, region: 'eu-west-1' } };
    expect(mergeAwsRunRows(once.rows, elsewhere).replaced).toBe(0);
  });

  test('a target named like a family of the table\'s other points is refused', () => {
    const { aws, local } = readAwsAndLocalRuns(awsRun, localRun);
    const points = awsRunPoints(aws, local, new Set(['apr']));
    expect(points.rows).toEqual([]);
    expect(points.refused[0].reasons).toEqual(["its target apr has the name of a family of the table's other points, and would be left out with that family"]);
  });
});
