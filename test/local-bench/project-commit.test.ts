/**
 * The run records the commit of the code that measured (environment.commit), so that npm run compare can
 * tell runs of different code apart: real git, in a repository of the test's own.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectEnvironmentManifest, projectCommit } from '../../lib/local-bench/environment-manifest';

const ROOT = path.resolve(__dirname, '..', '..');

describe('projectCommit', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'project-commit-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { encoding: 'utf8' }).trim();

  it('is null outside a git checkout, the HEAD commit in one, with +modified while a tracked file differs', async () => {
    expect(await projectCommit(dir)).toBeNull();
    git('init', '-q');
    fs.writeFileSync(path.join(dir, 'a.txt'), 'one\n');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'one');
    const head = git('rev-parse', 'HEAD');
    expect(await projectCommit(dir)).toBe(head);
    // An untracked file is not a change of the measured code.
    fs.writeFileSync(path.join(dir, 'untracked.txt'), 'x\n');
    expect(await projectCommit(dir)).toBe(head);
    fs.writeFileSync(path.join(dir, 'a.txt'), 'two\n');
    expect(await projectCommit(dir)).toBe(`${head}+modified`);
  });

  it("a local run's manifest carries this repository's commit", async () => {
    const manifest = await collectEnvironmentManifest({ limitsApplied: false, limitsReason: 'not asked for' });
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(String(manifest.commit)).toMatch(new RegExp(`^${head}(\\+modified)?$`));
  });
});
