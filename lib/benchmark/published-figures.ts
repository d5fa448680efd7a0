/**
 * Figures measured on AWS by others, printed beside ours so a reader can judge how far a run (local
 * above all) predicts the cloud. Each carries its source; none is used in any computation.
 */
export interface PublishedFigure {
  target: string;
  metric: 'coldInitP50' | 'warmDurationP50' | 'maxMemory' | 'packageBytes';
  value: number;
  unit: 'ms' | 'MB' | 'bytes';
  source: string;
}

const REFERENCE = 'the "Realizar Lambda Benchmarks" reference benchmark (one cold sample, five warm; x86_64)';
const LAMBDA_PERF = 'lambda-perf daily benchmark, Rust on provided.al2023, zip, 128 MB, x86_64 (10 forced cold starts a day)';

export const PUBLISHED_FIGURES: readonly PublishedFigure[] = [
  { target: 'apr', metric: 'coldInitP50', value: 15.9, unit: 'ms', source: LAMBDA_PERF },
  { target: 'apr', metric: 'coldInitP50', value: 22.58, unit: 'ms', source: `${REFERENCE}, .apr Rust function, 128 MB` },
  { target: 'apr', metric: 'warmDurationP50', value: 0.86, unit: 'ms', source: `${REFERENCE}, .apr Rust function, 128 MB` },
  { target: 'apr', metric: 'maxMemory', value: 13, unit: 'MB', source: `${REFERENCE}, .apr Rust function, 128 MB` },
  { target: 'apr', metric: 'packageBytes', value: 1.2e6, unit: 'bytes', source: `${REFERENCE}, .apr Rust function zip` },
  { target: 'pytorch', metric: 'coldInitP50', value: 3935.59, unit: 'ms', source: `${REFERENCE}, PyTorch 2.1 CPU image, 512 MB` },
  { target: 'pytorch', metric: 'warmDurationP50', value: 1.58, unit: 'ms', source: `${REFERENCE}, PyTorch 2.1 CPU image, 512 MB` },
  { target: 'pytorch', metric: 'maxMemory', value: 289, unit: 'MB', source: `${REFERENCE}, PyTorch 2.1 CPU image, 512 MB` },
  { target: 'pytorch', metric: 'packageBytes', value: 1.5e9, unit: 'bytes', source: `${REFERENCE}, PyTorch image (about 1.5 GB)` },
];
