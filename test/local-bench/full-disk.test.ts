/**
 * `npm run bench --out` on file systems that refuse the results: too small, read-only, a mount point,
 * procfs, and a small tmpfs filled up while the run is held at a step (a cold invocation's record, the
 * REPORT collection, the result files). Every time: no --out directory, no staging directory, and a
 * message naming the failure. The tmpfs cases mount file systems and need root with CAP_SYS_ADMIN; where
 * mounting is not allowed they are skipped, and the test name says so.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { killLeftoverRuns, startBench, templateCached } from './bench-process';

jest.setTimeout(120_000);

const SHORT = ['--no-setup', '--cold-starts', '1', '--warm', '1', '--parity', 'off', '--targets', 'apr'];
const work = mkdtempSync(path.join(tmpdir(), 'bench-full-disk-'));
const mounts: string[] = [];

function mountTmpfs(dir: string, options: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
  mounts.push(dir);
}

/** Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, not in a restricted container). */
function canMount(): boolean {
  const probe = path.join(work, 'probe');
  try {
    mountTmpfs(probe, 'size=16k');
    return true;
  } catch {
    return false;
  }
}

const mountable = canMount();
const withMounts = mountable ? describe : describe.skip;

afterAll(async () => {
  await killLeftoverRuns();
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', [m], { stdio: 'pipe' });
    } catch {
      // already unmounted
    }
  }
  rmSync(work, { recursive: true, force: true });
});

/** Writes zeros to `file` until the file system is full. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

async function refusedUpFront(out: string, pattern: RegExp): Promise<void> {
  const run = startBench([...SHORT, '--out', out]);
  const exit = await run.exited;
  expect(exit.code).toBe(2);
  expect(run.stderr()).toMatch(pattern);
  // Refused before anything ran: no setup, no synth, no service.
  expect(run.stderr()).not.toMatch(/running on the local Lambda service/);
  expect(run.stdout()).not.toMatch(/results:/);
}

test('--out under procfs is refused at once, before anything runs', async () => {
  await refusedUpFront('/proc/nope/res', /--out \/proc\/nope\/res is on procfs/);
});

withMounts(`output file systems that refuse the results (tmpfs mounts${mountable ? '' : ': skipped, this process may not mount'})`, () => {
  test('too small for the probe: refused up front, saying how much space there is and how much was needed', async () => {
    const mount = path.join(work, 'tiny');
    mountTmpfs(mount, 'size=32k');
    await refusedUpFront(path.join(mount, 'res'), /has \d+(\.\d)? KiB free, less than the 64\.0 KiB probe/);
    expect(readdirSync(mount)).toEqual([]);
  });

  test('read-only: refused up front as a read-only file system', async () => {
    const mount = path.join(work, 'readonly');
    mountTmpfs(mount, 'size=1m,ro');
    await refusedUpFront(path.join(mount, 'res'), /is not writable \(EROFS: a read-only file system\)/);
  });

  test('a mount point as --out: refused up front (the final rename would fail with EBUSY)', async () => {
    const mount = path.join(work, 'mountpoint');
    mountTmpfs(mount, 'size=1m');
    await refusedUpFront(mount, /is a mount point/);
    expect(readdirSync(mount)).toEqual([]);
  });

  test.concurrent.each(['invokeCold', 'collectReports', 'aggregate'])('filled while held at %s: no --out, no staging, the failure named', async (step) => {
    const mount = path.join(work, `fill-${step}`);
    mountTmpfs(mount, 'size=2m');
    const out = path.join(mount, 'results', 'res');
    await templateCached();
    const run = startBench([...SHORT, '--out', out], { APR_BENCH_HOLD_AT: step });
    await run.waitFor(new RegExp(`^hold: ${step}`, 'm'));
    fill(path.join(mount, 'filler'));
    run.npm.stdin!.write('go\n');
    const exit = await run.exited;
    expect({ code: exit.code, stderr: run.stderr().slice(-800) }).toMatchObject({ code: 1 });
    expect(run.stderr()).toMatch(/bench: writing \S+ failed: ENOSPC \(.*\); the file system at \S+ has [\d.]+ (bytes|KiB) free, the write needed [\d.]+ (bytes|KiB); no results were kept/);
    expect(run.stdout()).not.toMatch(/results:/);
    // Only the filler is left: not --out, not its parent the run created, not the staging directory.
    expect(readdirSync(mount)).toEqual(['filler']);
    expect(existsSync(out)).toBe(false);
  });
});
