/**
 * The node function's .apr v1 reader (baselines/node-wine/apr-reader.mjs) decides every shared fixture of
 * test/fixtures/apr/ as cases.json says the project's readers must: accept the valid file, and refuse each
 * broken one naming the check that fails first. Run in a Node.js process of its own, as ES modules.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'apr');

interface FixtureCase {
  name: string;
  file: string;
  reader: { accept: boolean; check?: string };
}

interface Decision {
  name: string;
  accept: boolean;
  check?: string;
  message?: string;
  coefficients?: number[];
  intercept?: number;
  featureNames?: string[];
}

const SCRIPT = `
import { readFileSync } from 'node:fs';
import { readApr } from ${JSON.stringify(path.join(ROOT, 'baselines', 'node-wine', 'apr-reader.mjs'))};
import { FEATURE_NAMES } from ${JSON.stringify(path.join(ROOT, 'baselines', 'node-wine', 'wine-rules.mjs'))};
const cases = JSON.parse(readFileSync(0, 'utf8'));
const out = cases.map(({ name, path }) => {
  try {
    const m = readApr(new Uint8Array(readFileSync(path)), FEATURE_NAMES);
    return { name, accept: true, coefficients: m.coefficients, intercept: m.intercept, featureNames: m.statistics.featureNames };
  } catch (error) {
    if (error.name !== 'AprFormatError') throw error;
    return { name, accept: false, check: error.check, message: error.message };
  }
});
process.stdout.write(JSON.stringify(out));
`;

test('accepts wine.apr and refuses each broken fixture at the check cases.json names', () => {
  const { cases } = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'cases.json'), 'utf8')) as { cases: FixtureCase[] };
  expect(cases.length).toBeGreaterThan(20);
  const input = JSON.stringify(cases.map((c) => ({ name: c.name, path: path.resolve(FIXTURES, c.file) })));
  const decisions = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { input, encoding: 'utf8' })) as Decision[];

  expect(decisions.map((d) => ({ name: d.name, accept: d.accept, check: d.check })))
    .toEqual(cases.map((c) => ({ name: c.name, accept: c.reader.accept, check: c.reader.accept ? undefined : c.reader.check })));
  for (const d of decisions.filter((x) => !x.accept)) expect(d.message).toMatch(new RegExp(`^${d.check}: .+`));

  const valid = decisions.find((d) => d.accept)!;
  expect(valid.featureNames).toEqual(['fixed_acidity', 'volatile_acidity', 'citric_acid', 'residual_sugar', 'chlorides',
    'free_sulfur_dioxide', 'total_sulfur_dioxide', 'density', 'pH', 'sulphates', 'alcohol']);
  expect(valid.coefficients).toHaveLength(11);
  // float32 values: each reads back unchanged through a float32.
  for (const c of [...valid.coefficients!, valid.intercept!]) expect(Math.fround(c)).toBe(c);
});
