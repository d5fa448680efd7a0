/**
 * A clone with no ../shared beside it runs `npm run calibrate` and `npm run bench`: everything the model
 * and the bench read (lambda-perf's AWS figures, the calibration table, the committed model) is carried
 * in the repository. The repository is cloned into <tmp>/deep/clone, so <tmp>/deep/shared does not
 * exist; its node_modules is linked to this checkout's (installing them again is not what is tested), and
 * the bench measures a target file run by the test runtime, which needs nothing built. Both commands run
 * as real processes, the way the npm scripts start them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BenchmarkResults } from '../../lib/benchmark/types';
import { MODEL_FILE, TABLE_FILE } from '../../lib/calibration/calibrate';

const ROOT = path.resolve(__dirname, '..', '..');

const work = mkdtempSync(path.join(tmpdir(), 'clone-alone-'));
const clone = path.join(work, 'deep', 'clone');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs a command to its end (or kills it at the timeout) and gives its exit code and output. */
function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // SIGINT first: the bench stops its own processes and removes what it made; SIGKILL if it does not.
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

beforeAll(() => {
  mkdirSync(path.dirname(clone), { recursive: true });
  const cloned = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], { encoding: 'utf8' });
  if (cloned.status !== 0) throw new Error(`git clone failed: ${cloned.stderr}`);
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
}, 60_000);

describe('a clone on its own', () => {
  test('has no ../shared beside it, and carries lambda-perf\'s figures and the calibration', () => {
    expect(existsSync(path.join(clone, '..', 'shared'))).toBe(false);
    expect(existsSync(path.join(clone, 'data', 'lambda-perf', 'README.md'))).toBe(true);
    expect(existsSync(path.join(clone, 'data', 'lambda-perf', 'init-duration-2026-07-01_2026-08-22.csv'))).toBe(true);
    for (const f of [TABLE_FILE, MODEL_FILE]) expect(existsSync(path.join(clone, 'data', 'calibration', f))).toBe(true);
  });

  test('npm run calibrate -- --refit refits the committed table to the committed model', async () => {
    const refitDir = path.join(work, 'refit');
    mkdirSync(refitDir);
    copyFileSync(path.join(clone, 'data', 'calibration', TABLE_FILE), path.join(refitDir, TABLE_FILE));
    const out = await run(process.execPath, ['-r', 'sucrase/register/ts', 'bin/calibrate.ts', '--refit', '--data-dir', refitDir], clone, 90_000);
    expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: '' });
    // The summary: the fitted line of every cell, and the sources of the calibration points.
    expect(out.stdout).toMatch(/^Zip x86_64: ln\(AWS\) = /m);
    expect(out.stdout).toContain("calibration points' sources: lambda-perf");
    expect(existsSync(path.join(refitDir, MODEL_FILE))).toBe(true);
    const refitted = JSON.parse(readFileSync(path.join(refitDir, MODEL_FILE), 'utf8'));
    const committed = JSON.parse(readFileSync(path.join(clone, 'data', 'calibration', MODEL_FILE), 'utf8'));
    // The model records where its table lay, relative to the project: that alone differs.
    expect(refitted.table.sha256).toBe(committed.table.sha256);
    expect(committed.table.path).toBe(`data/calibration/${TABLE_FILE}`);
    const { table: _refittedTable, ...refittedRest } = refitted;
    const { table: _committedTable, ...committedRest } = committed;
    expect(refittedRest).toEqual(committedRest);
  }, 120_000);

  test('npm run bench runs a target file there and predicts with the committed model', async () => {
    const targetFile = path.join(work, 'target.json');
    const runtime = path.join(clone, 'test', 'fixtures', 'runtimes', 'test-runtime.cjs');
    writeFileSync(
      targetFile,
      JSON.stringify({
        functionName: 'clone-fixture',
        runtime: 'nodejs-fixture',
        packageType: 'Zip',
        handler: 'index.handler',
        memorySizeMB: 128,
        command: process.execPath,
        args: [runtime],
        cwd: path.dirname(runtime),
        payload: { action: 'echo' },
      }),
    );
    const outDir = path.join(work, 'out');
    const args = ['-r', 'sucrase/register/ts', 'bin/bench.ts', '--no-setup', '--targets', 'none', '--target-file', targetFile];
    args.push('--cold-starts', '2', '--warm', '2', '--parity', 'off', '--limits', 'off', '--out', outDir, '--calibration', 'committed');
    const out = await run(process.execPath, args, clone, 100_000);
    expect({ code: out.code, signal: out.signal }).toEqual({ code: 0, signal: null });
    expect(out.stderr).not.toMatch(/shared/);
    const results = JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8')) as BenchmarkResults;
    expect(results.targets['clone-fixture'].cold.n).toBe(2);
    expect(results.predictionModel).toBeDefined();
    expect(results.predictionModel).not.toHaveProperty('unavailable');
    expect(results.predictionModel).toMatchObject({ source: { kind: 'committed', why: 'asked for with --calibration committed' } });
    expect(results.targets['clone-fixture'].predictedAws?.x86_64?.p50Ms).toBeGreaterThan(0);
  }, 120_000);
});

describe('nothing in lib/, bin/ or scripts/ reaches outside the repository for its data', () => {
  test("no file there names '../shared' or 'shared/data'", () => {
    const files = spawnSync('git', ['ls-files', '-z', 'lib', 'bin', 'scripts'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
    expect(files.length).toBeGreaterThan(50);
    const offending = files.filter((f) => {
      const text = readFileSync(path.join(ROOT, f), 'utf8');
      return text.includes('../shared') || text.includes('shared/data');
    });
    expect(offending).toEqual([]);
  });
});
