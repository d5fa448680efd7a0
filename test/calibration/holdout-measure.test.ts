/**
 * The hold-out check end to end on real parts: the shell hold-out (holdout/shell/bootstrap, a bash loop
 * with curl: nothing to build) forced cold through the local service and checked against the committed
 * model and the carried lambda-perf hold-out figures; and `calibrate --refit` checking the committed
 * hold-out measurements again, which must give back the committed file to the byte. No timing is asserted.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main, selectedByOnly } from '../../bin/calibrate';
import { defaultAwsFiguresPath } from '../../lib/calibration/aws-figures';
import { checkHoldouts, defaultHoldoutFiguresPath, HOLDOUT_CHECK_FILE, readHoldoutAwsFigures, readHoldoutCheckFile, readHoldoutTargets } from '../../lib/calibration/holdout';
import { measureColdStarts } from '../../lib/calibration/measure';
import { loadFittedModel } from '../../lib/prediction';
import { parseTargetFile } from '../../lib/targets/target-file';

const ROOT = path.resolve(__dirname, '..', '..');
const DATA = path.join(ROOT, 'data', 'calibration');

/** `fn` given a temporary copy of the committed table, measurements and hold-out check, removed after. */
async function withDataCopy(prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    for (const f of ['calibration-table.csv', 'local-measurements.json', HOLDOUT_CHECK_FILE]) fs.copyFileSync(path.join(DATA, f), path.join(tmp, f));
    await fn(tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

describe('hold-outs through the local service', () => {
  it('forces cold starts of the shell hold-out and sets the prediction an unseen runtime gets beside AWS', async () => {
    const dir = path.join(ROOT, 'holdout', 'shell');
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'target.json'), 'utf8'));
    // The script itself, not the built copy in dist/: the same bytes, and no build step in the test.
    const target = parseTargetFile(
      { ...spec, command: './bootstrap', cwd: '.', packagePath: undefined, packageBytes: fs.statSync(path.join(dir, 'bootstrap')).size, packagePaths: ['bootstrap'] },
      { file: path.join(dir, 'target.json') },
    );
    const run = await measureColdStarts([target], { coldStarts: 2, limits: 'off' });
    const m = run.functions[0];
    expect(m.initDurationsMs).toHaveLength(2);
    for (const d of m.initDurationsMs) expect(d).toBeGreaterThan(0);
    // bash and curl are the runtime's files; the function's own package is the script alone.
    expect(m.initFileMBP50).toBeGreaterThan(1);

    const rows = checkHoldouts(run.functions, [target], readHoldoutAwsFigures(defaultHoldoutFiguresPath(ROOT), defaultAwsFiguresPath(ROOT)), loadFittedModel());
    expect(rows.map((r) => `${r.packageType} ${r.architecture}`)).toEqual(['Zip x86_64', 'Zip arm64', 'Image x86_64', 'Image arm64']);
    const zipX86 = rows[0];
    expect(zipX86).toMatchObject({ runtime: 'shell (prov.al2023)', aws: { initP50Ms: 45.32, maxMemoryMB: 27 } });
    expect(zipX86.predicted.validation).toBe('leave-one-family-out');
    expect(zipX86.predicted.low).toBeLessThan(zipX86.predicted.p50Ms);
    expect(zipX86.predicted.high).toBeGreaterThan(zipX86.predicted.p50Ms);
  }, 120_000);

  it("forces cold starts of the Ruby hold-out on this machine's ruby and checks it against the carried summary's ruby3.2 figures", async () => {
    if (spawnSync('ruby', ['--version']).status !== 0) {
      process.stderr.write('skipped: the Ruby hold-out: ruby is not installed (Debian: ruby; scripts/setup.sh installs it)\n');
      return;
    }
    const dir = path.join(ROOT, 'holdout', 'ruby');
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'target.json'), 'utf8'));
    // The handler file itself, not the zip in dist/: no build step in the test.
    const target = parseTargetFile({ ...spec, packagePath: undefined, packageBytes: fs.statSync(path.join(dir, 'index.rb')).size }, { file: path.join(dir, 'target.json') });
    const run = await measureColdStarts([target], { coldStarts: 2, limits: 'off' });
    const m = run.functions[0];
    expect(m.initDurationsMs).toHaveLength(2);
    // ruby and its standard library are the runtime's files; the package is index.rb, read, not mapped.
    expect(m.initFileMBP50).toBeGreaterThan(1);
    expect(m.initPackageFileMBP50).toBe(0);
    const rows = checkHoldouts(run.functions, [target], readHoldoutAwsFigures(defaultHoldoutFiguresPath(ROOT), defaultAwsFiguresPath(ROOT)), loadFittedModel());
    expect(rows.map((r) => `${r.packageType} ${r.architecture}`)).toEqual(['Zip x86_64', 'Zip arm64', 'Image x86_64', 'Image arm64']);
    expect(rows[0]).toMatchObject({ runtime: 'ruby3.2', aws: { initP50Ms: 231.37, maxMemoryMB: 38.6 } });
    expect(rows[0].predicted.validation).toBe('leave-one-family-out');
  }, 120_000);

  it('calibrate --refit checks the committed hold-out measurements again, giving back the committed check to the byte (but for the path of its table)', async () => {
    await withDataCopy('holdout-refit-', async (tmp) => {
      let out = '';
      let err = '';
      const code = await main(['--refit', '--data-dir', tmp], { out: (t) => (out += t), err: (t) => (err += t) });
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).toContain('Hold-outs: runtimes outside the calibration set');
      expect(out).toMatch(/within ±30 % of AWS: \d+ of \d+; AWS inside the printed interval: \d+ of \d+/);
      // The same file but for the path of the table the model was fitted on, which is the data directory's own.
      const again = fs.readFileSync(path.join(tmp, HOLDOUT_CHECK_FILE), 'utf8');
      const tablePath = path.relative(ROOT, path.join(tmp, 'calibration-table.csv')).split(path.sep).join('/');
      expect(again).toContain(`"path": ${JSON.stringify(tablePath)}`);
      expect(again.replace(`"path": ${JSON.stringify(tablePath)}`, '"path": "data/calibration/calibration-table.csv"')).toBe(
        fs.readFileSync(path.join(DATA, HOLDOUT_CHECK_FILE), 'utf8'),
      );
    });
  }, 120_000);

  it('calibrate --refit --fit-holdouts prints the fit the hold-outs would give as calibration families and writes nothing of it', async () => {
    await withDataCopy('holdout-fit-', async (tmp) => {
      let out = '';
      const code = await main(['--refit', '--fit-holdouts', '--data-dir', tmp], { out: (t) => (out += t), err: () => undefined });
      expect(code).toBe(0);
      const whatIf = out.slice(out.indexOf('With the hold-outs as calibration families'));
      expect(whatIf).toContain('printed only, nothing written');
      // Five calibration families and four hold-out families (the two C++ packages are one).
      expect(whatIf).toMatch(/\(9 families; the level F families allow is F \/ \(F \+ 1\)\)/);
      expect(fs.readFileSync(path.join(tmp, 'calibration-table.csv'), 'utf8')).toBe(fs.readFileSync(path.join(DATA, 'calibration-table.csv'), 'utf8'));
      fs.rmSync(path.join(tmp, HOLDOUT_CHECK_FILE));
      let err = '';
      expect(await main(['--refit', '--no-holdouts', '--fit-holdouts', '--data-dir', tmp], { out: () => undefined, err: (t) => (err += t) })).toBe(1);
      expect(err).toMatch(/--fit-holdouts needs the hold-outs' measurements in .*holdout-check\.json \(npm run calibrate measures them\)/);
    });
  }, 120_000);

  it('the committed check is what the committed model makes of the committed hold-out measurements (nothing in it written by hand)', () => {
    const committed = readHoldoutCheckFile(path.join(DATA, HOLDOUT_CHECK_FILE));
    const model = loadFittedModel();
    expect(committed.model).toEqual(model.table);
    const rows = checkHoldouts(committed.functions, readHoldoutTargets(ROOT), readHoldoutAwsFigures(defaultHoldoutFiguresPath(ROOT), defaultAwsFiguresPath(ROOT)), model);
    expect(committed.rows).toEqual(JSON.parse(JSON.stringify(rows)));
  });
});

describe("calibrate --only: which functions a measuring run takes", () => {
  const calibration = ['calibration-python312', 'calibration-rust'];
  const holdouts = ['holdout-go', 'holdout-shell'];

  it('without --only, every calibration function and hold-out', () => {
    expect(selectedByOnly(undefined, calibration, holdouts)).toEqual({ calibration, holdouts });
  });

  it('with it, the ones it names, hold-outs included; naming no hold-out measures none (the stored ones are checked again)', () => {
    expect(selectedByOnly('calibration-rust, holdout-go', calibration, holdouts)).toEqual({ calibration: ['calibration-rust'], holdouts: ['holdout-go'] });
    expect(selectedByOnly('calibration-rust', calibration, holdouts)).toEqual({ calibration: ['calibration-rust'], holdouts: [] });
  });

  it('a name that is neither, or no calibration function at all, is refused with what is known', () => {
    expect(() => selectedByOnly('calibration-rust,holdout-llrt', calibration, holdouts)).toThrow(
      '--only: no calibration function or hold-out named holdout-llrt (calibration functions: calibration-python312, calibration-rust; hold-outs: holdout-go, holdout-shell)',
    );
    expect(() => selectedByOnly('holdout-go', calibration, holdouts)).toThrow('--only names no calibration function (the table is measured from the ones it names): holdout-go');
    expect(() => selectedByOnly('holdout-go', calibration, [])).toThrow(/no calibration function or hold-out named holdout-go \(.*hold-outs: none\)/);
  });
});
