/**
 * Which registry targets `npm run bench` and `npm run local-lambda` run (chooseRegistryTargets): of the
 * default list, the ones that cannot run here are skipped with why and the command that builds them; a
 * target the user named that cannot run stops the command with the same reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chooseRegistryTargets, localReadiness, readyTargets } from '../../lib/targets/local-targets';
import { TARGET_KEYS } from '../../lib/targets/registry';

const ROOT = path.resolve(__dirname, '..', '..');
// A project folder with nothing built: no target can run from it.
const EMPTY = mkdtempSync(path.join(tmpdir(), 'empty-project-'));
afterAll(() => rmSync(EMPTY, { recursive: true, force: true }));

describe('chooseRegistryTargets', () => {
  test('the default list: what cannot run is skipped, each with its reason and build command', () => {
    const chosen = chooseRegistryTargets(TARGET_KEYS, false, EMPTY);
    expect(chosen.ready).toEqual([]);
    expect(chosen.skipped.map((s) => s.key)).toEqual([...TARGET_KEYS]);
    const apr = chosen.skipped.find((s) => s.key === 'apr')!;
    expect(apr).toEqual(localReadiness('apr', EMPTY));
    expect(apr.command).toBe('npm run build:apr');
    // On this project, as readyTargets sees it: the same split.
    expect(chooseRegistryTargets(TARGET_KEYS, false, ROOT)).toEqual(readyTargets(TARGET_KEYS, ROOT));
  });

  test('a named target that cannot run stops the command with the reason and the build command', () => {
    const notReady = localReadiness('apr', EMPTY)!;
    expect(() => chooseRegistryTargets(['apr'], true, EMPTY)).toThrow(`${notReady.reason} (build it with \`${notReady.command}\`)`);
  });

  test('named targets that can run are taken as named, in their order', () => {
    const { ready } = readyTargets(TARGET_KEYS, ROOT);
    const named = [...ready].reverse();
    expect(chooseRegistryTargets(named, true, ROOT)).toEqual({ ready: named, skipped: [] });
    expect(chooseRegistryTargets([], true, ROOT)).toEqual({ ready: [], skipped: [] });
  });
});
