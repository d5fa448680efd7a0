/**
 * The package's share of the init file MB in results.json (cold.initPackageFileMB): summarised over the
 * same cold samples as initFileMB, and absent where the service did not measure it (a function without
 * package paths), never a made-up zero.
 */
import { aggregate } from '../../lib/benchmark/aggregate';
import { syntheticRun } from './synthetic-run';

const ENV = { limitsApplied: false, cpu: 'test cpu' };

describe('init package file MB', () => {
  test('its p50 over the cold samples only, beside the init file MB; a target without it has none', () => {
    const run = syntheticRun();
    const [apr, torch] = run.targets;
    // 1.5 MB of the bootstrap mapped at every cold start, and one figure for the warm invocation that landed
    // in a new environment (not a cold sample), which must not count.
    apr.initPackageFileMB = Object.fromEntries(Object.keys(apr.initFileMB!).map((id, k) => [id, 1.5 + k * 0.01]));
    expect(Object.keys(apr.initPackageFileMB)).toHaveLength(6);
    delete torch.initPackageFileMB;
    const results = aggregate({ run, backend: 'local', environment: ENV });
    expect(results.targets.apr.cold.initPackageFileMB).toMatchObject({ n: 5, min: 1.5, p50: 1.52, max: 1.54 });
    expect(results.targets.apr.cold.initFileMB).toMatchObject({ n: 5, p50: 2.2 });
    expect(results.targets.pytorch.cold.initPackageFileMB).toBeUndefined();
    expect(JSON.parse(JSON.stringify(results)).targets.pytorch.cold).not.toHaveProperty('initPackageFileMB');
  });

  test('a function that names no package paths gives an empty map: no figure, not zero', () => {
    const run = syntheticRun();
    run.targets[0].initPackageFileMB = {};
    const results = aggregate({ run, backend: 'local', environment: ENV });
    expect(results.targets.apr.cold.initPackageFileMB).toBeUndefined();
  });
});
