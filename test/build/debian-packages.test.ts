/**
 * scripts/lib/debian-packages.sh, the one place the set-up scripts install Debian packages from: run by real
 * bash against this machine's dpkg. Not as root, a missing package is named with the command that installs
 * it and the script stops; installed packages cost nothing. (As root it runs apt-get, which a test does not.)
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const LIBRARY = path.resolve(__dirname, '..', '..', 'scripts', 'lib', 'debian-packages.sh');
const work = mkdtempSync(path.join(tmpdir(), 'debian-packages-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** install_debian_packages with the given arguments, as a user whose id is 1000 (a stub `id` first on PATH). */
function install(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const id = path.join(work, 'id');
  writeFileSync(id, '#!/bin/sh\necho 1000\n');
  chmodSync(id, 0o755);
  const script = `set -euo pipefail\nsay() { printf 'test: %s\\n' "$*" >&2; }\nsource "${LIBRARY}"\ninstall_debian_packages "$@"\necho done`;
  const run = spawnSync('bash', ['-c', script, 'bash', ...args], { env: { ...process.env, PATH: `${work}:${process.env.PATH}` }, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const hasDpkg = spawnSync('dpkg-query', ['--version']).status === 0;
const onDebian = hasDpkg ? test : test.skip;

onDebian('installed packages: nothing said, the script goes on', () => {
  expect(install(['bash', 'coreutils'])).toEqual({ status: 0, stdout: 'done\n', stderr: '' });
});

onDebian('missing packages, not root: each named once with the command that installs them, and the script stops', () => {
  const run = install(['--note-for', 'no-such-package-b', 'slow', 'bash', 'no-such-package-a', 'no-such-package-b']);
  expect(run.status).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe(
    'test: missing Debian packages: no-such-package-a no-such-package-b; install them with: sudo apt-get update && sudo apt-get install -y no-such-package-a no-such-package-b\n',
  );
});
