import type { CalibrationRow } from '../../lib/calibration/table';
import { fitModel } from '../../lib/prediction/fit';
import type { FittedModel } from '../../lib/prediction';

/**
 * A prediction model for the report tests, fitted by the real fit function on a small calibration
 * table: AWS p50/p90 are lambda-perf's (2026-07-01 to 2026-08-22, 128 MB), the local figures are of
 * the size this machine measures for such hello-world functions. The tests check how reports carry a
 * model's predictions, not the model's accuracy (that is `npm run calibrate`'s job).
 */

const AWS: [runtime: string, family: string, pkg: 'Zip' | 'Image', arch: 'x86_64' | 'arm64', p50: number, p90: number][] = [
  ['java21', 'java', 'Image', 'arm64', 308.27, 476.5],
  ['java21', 'java', 'Image', 'x86_64', 337.0, 585.84],
  ['java21', 'java', 'Zip', 'arm64', 246.47, 267.41],
  ['java21', 'java', 'Zip', 'x86_64', 239.89, 274.82],
  ['nodejs22.x', 'nodejs', 'Image', 'arm64', 236.0, 619.9],
  ['nodejs22.x', 'nodejs', 'Image', 'x86_64', 292.33, 589.46],
  ['nodejs22.x', 'nodejs', 'Zip', 'arm64', 127.86, 135.87],
  ['nodejs22.x', 'nodejs', 'Zip', 'x86_64', 141.25, 164.19],
  ['python3.12', 'python', 'Image', 'arm64', 129.72, 261.61],
  ['python3.12', 'python', 'Image', 'x86_64', 150.13, 283.52],
  ['python3.12', 'python', 'Zip', 'arm64', 80.28, 86.71],
  ['python3.12', 'python', 'Zip', 'x86_64', 84.92, 100.47],
  ['rust (prov.al2023)', 'rust', 'Image', 'arm64', 29.64, 41.02],
  ['rust (prov.al2023)', 'rust', 'Image', 'x86_64', 34.8, 59.61],
  ['rust (prov.al2023)', 'rust', 'Zip', 'arm64', 13.84, 16.36],
  ['rust (prov.al2023)', 'rust', 'Zip', 'x86_64', 15.92, 21.77],
];

const LOCAL: Record<string, [p50: number, p90: number, fileMB: number, packageMB: number, maxMemoryMB: number]> = {
  java21: [310, 340, 22, 0, 48],
  'nodejs22.x': [50, 60, 40, 0, 48],
  'python3.12': [55, 62, 9.5, 0, 14],
  'rust (prov.al2023)': [1.4, 1.9, 2.1, 2, 3],
};

/** lambda-perf's Max Memory Used means (128 MB, zip x86_64), used for every cell of the fixture. */
const AWS_MEMORY: Record<string, number> = { java21: 92.4, 'nodejs22.x': 74.1, 'python3.12': 36.5, 'rust (prov.al2023)': 15.2 };

export const FIXTURE_TABLE_ROWS: CalibrationRow[] = AWS.map(([runtime, family, packageType, architecture, p50, p90]) => ({
  calibrationFunction: `hello-${family}`,
  runtime,
  family,
  localN: 30,
  localInitP50Ms: LOCAL[runtime][0],
  localInitP90Ms: LOCAL[runtime][1],
  localInitFileMB: LOCAL[runtime][2],
  localPackageFileMB: LOCAL[runtime][3],
  localMaxMemoryMB: LOCAL[runtime][4],
  packageZipMB: 0.1,
  source: 'lambda-perf 2026-07-01..2026-08-22 (commit 6070b794)',
  packageType,
  architecture,
  awsMemoryMB: 128,
  awsN: 500,
  awsInitP50Ms: p50,
  awsInitP90Ms: p90,
  awsMaxMemoryMB: AWS_MEMORY[runtime],
}));

export function fixtureModel(): FittedModel {
  return fitModel(FIXTURE_TABLE_ROWS, { path: 'test/benchmark/model-fixture.ts', sha256: 'fixture' });
}
