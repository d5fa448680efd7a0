/**
 * scripts/setup.sh prepares the machine for one command and nothing else: the bench does not install the
 * audit tools or the calibration's Python, the audit installs only its tools, the calibration only its
 * functions. The real script runs, as a real process, in a copy of the project whose steps (the scripts
 * and the build it calls) only record that they ran: what each purpose runs is what is checked here, and
 * the steps themselves are covered where they are built and used (test/ladder, test/moto, test/calibration).
 * Last, scripts/setup-node.sh keeps a machine's own Node 22 (CI's .ci/run fetches one where it has none).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..', '..');
const work = mkdtempSync(path.join(tmpdir(), 'setup-purpose-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Each step setup.sh calls, replaced by one that appends its name and arguments to steps.log. */
const STEPS: Record<string, string> = {
  'scripts/setup-audit.sh': 'audit tools',
  'scripts/setup-calibration.sh': 'calibration',
  'scripts/setup-holdouts.sh': 'hold-outs',
  'scripts/setup-ladder.sh': 'ladder',
  'baselines/pytorch-wine/setup-local.sh': 'pytorch function',
};

/** A copy of the project with scripts/setup.sh as it is and every step recording itself. */
let copies = 0;
function projectCopy(name: string): string {
  const root = path.join(work, `${name}-${++copies}`);
  mkdirSync(path.join(root, 'scripts'), { recursive: true });
  copyFileSync(path.join(ROOT, 'scripts', 'setup.sh'), path.join(root, 'scripts', 'setup.sh'));
  mkdirSync(path.join(root, 'scripts', 'lib'));
  copyFileSync(path.join(ROOT, 'scripts', 'lib', 'debian-packages.sh'), path.join(root, 'scripts', 'lib', 'debian-packages.sh'));
  for (const [file, step] of Object.entries(STEPS)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), `echo "${step}\${1:+ $1}" >> "$(dirname "$0")/${path.relative(path.dirname(file), '.')}/steps.log"\n`);
  }
  // The Rust build runs through ts-node (npx --no-install): the project's own node_modules and compiler
  // options; with node_modules present and no package-lock.json newer than it, no npm ci.
  copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(root, 'tsconfig.json'));
  mkdirSync(path.join(root, 'lib', 'build'), { recursive: true });
  writeFileSync(path.join(root, 'lib', 'build', 'apr-build-cli.ts'), "import { appendFileSync } from 'node:fs';\nappendFileSync('steps.log', 'rust function\\n');\n");
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

function setup(purpose: string | undefined, env: NodeJS.ProcessEnv = process.env): { status: number | null; stderr: string; steps: string[] } {
  const root = projectCopy(purpose ?? 'default');
  const run = spawnSync('bash', [path.join(root, 'scripts', 'setup.sh'), ...(purpose ? [purpose] : [])], { cwd: work, env, encoding: 'utf8', timeout: 100_000 });
  const log = path.join(root, 'steps.log');
  return { status: run.status, stderr: run.stderr, steps: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [] };
}

test('bench: the Rust and PyTorch functions, every calibration function and hold-out (it calibrates in the run and checks the fit on them) and the ladder, not the audit tools', () => {
  const run = setup('bench');
  expect(run).toMatchObject({ status: 0, steps: ['rust function', 'pytorch function', 'calibration', 'hold-outs', 'ladder'] });
  expect(run.stderr).toMatch(/^setup: building the Rust function$/m);
});

test('bench: a calibration function that fails to build does not stop the bench, and says what follows', () => {
  const root = projectCopy('bench-calibration-fails');
  writeFileSync(path.join(root, 'scripts', 'setup-calibration.sh'), 'echo "calibration" >> "$(dirname "$0")/../steps.log"\nexit 1\n');
  const run = spawnSync('bash', [path.join(root, 'scripts', 'setup.sh'), 'bench'], { cwd: work, encoding: 'utf8', timeout: 100_000 });
  expect(run.status).toBe(0);
  expect(readFileSync(path.join(root, 'steps.log'), 'utf8').trim().split('\n')).toEqual(['rust function', 'pytorch function', 'calibration', 'hold-outs', 'ladder']);
  expect(run.stderr).toContain('setup: warning: not every calibration function could be built (above); npm run bench calibrates with those that were, or predicts with the committed model');
});

test('test (and no purpose, as npm run setup): what bench runs but only Python 3.12 of the calibration, and the audit tools', () => {
  const all = ['rust function', 'pytorch function', 'audit tools', 'calibration --for-tests', 'ladder'];
  expect(setup('test')).toMatchObject({ status: 0, steps: all });
  expect(setup(undefined)).toMatchObject({ status: 0, steps: all });
});

test('audit: the audit tools only', () => {
  expect(setup('audit')).toMatchObject({ status: 0, steps: ['audit tools'] });
});

test('calibrate: every calibration function and the hold-outs, nothing of the bench', () => {
  expect(setup('calibrate')).toMatchObject({ status: 0, steps: ['calibration', 'hold-outs'] });
});

test('an unknown purpose is refused, naming the purposes, before anything runs', () => {
  const run = setup('benchmark');
  expect(run).toMatchObject({ status: 2, steps: [] });
  expect(run.stderr).toContain("setup: unknown purpose 'benchmark': the purposes are bench, test, audit and calibrate");
});

/** PATH with a node first that reports itself as `version` and is the real one for anything else. */
function nodeReporting(version: string): NodeJS.ProcessEnv {
  const bin = path.join(work, `node-${version}`);
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'node'), `#!/bin/sh\n[ "$1" = --version ] && { echo ${version}; exit 0; }\nexec "${process.execPath}" "$@"\n`);
  chmodSync(path.join(bin, 'node'), 0o755);
  return { ...process.env, PATH: `${bin}:${process.env.PATH}` };
}

test('on a Node.js older than 22, setup says which it is and how to get Node 22 for this project, and goes on', () => {
  const run = setup('audit', nodeReporting('v20.20.2'));
  expect(run).toMatchObject({ status: 0, steps: ['audit tools'] });
  expect(run.stderr).toContain('setup: this is Node.js v20.20.2; the project supports Node.js 22 and 24 (CI tests 22).');
  expect(run.stderr).toContain('export PATH="$(bash scripts/setup-node.sh):$PATH"');
  for (const supported of ['v22.23.5', 'v24.22.3']) expect(setup('audit', nodeReporting(supported)).stderr).not.toMatch(/this is Node\.js/);
});

test('scripts/setup-node.sh: on a machine whose node is Node 22, that node, fetched nothing', () => {
  const env = nodeReporting('v22.23.5');
  const root = path.join(work, 'node-copy');
  mkdirSync(path.join(root, 'scripts'), { recursive: true });
  copyFileSync(path.join(ROOT, 'scripts', 'setup-node.sh'), path.join(root, 'scripts', 'setup-node.sh'));
  const run = spawnSync('bash', [path.join(root, 'scripts', 'setup-node.sh')], { env, encoding: 'utf8', timeout: 30_000 });
  expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: `${path.join(work, 'node-v22.23.5')}\n`, stderr: '' });
  expect(existsSync(path.join(root, '.tools'))).toBe(false);
});
