import { cleanUpSynths, synth } from './helpers';

/**
 * The whole template, asset hashes removed: a change to any resource shows up in review as a diff
 * of this snapshot. Asset hashes change with every build of the code and say nothing about the
 * infrastructure, so they are replaced by a placeholder.
 */
afterAll(cleanUpSynths);

export function withoutAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[a-f0-9]{64}/g, '<asset hash>'));
}

test('the synthesized template', () => {
  const s = synth();
  expect(withoutAssetHashes(s.json)).toMatchSnapshot();
}, 120_000);
