/**
 * lambda-perf's AWS Init Duration figures (data/lambda-perf/, carried in this repository with their
 * source, commit, date range and licence in data/lambda-perf/README.md: about 500 forced cold starts per
 * runtime, package type, architecture and memory size on AWS, 2026-07-01 to 2026-08-22).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AwsInitFigure {
  runtime: string;
  packageType: 'Zip' | 'Image';
  architecture: 'x86_64' | 'arm64';
  memoryMB: number;
  n: number;
  initP50Ms: number;
  initP90Ms: number;
  /** Mean Max Memory Used of the cold starts, MB (the environment's own processes included); null where the CSV has no such column. */
  maxMemoryUsedMBMean: number | null;
}

/**
 * What every calibration point fitted on these figures names as its source: the data set, its days and
 * the lambda-perf commit it was summarised from (data/lambda-perf/README.md).
 */
export const LAMBDA_PERF_SOURCE = 'lambda-perf 2026-07-01..2026-08-22 (commit 6070b794)';

export class AwsFiguresError extends Error {}

/** The CSV's file name in data/lambda-perf/. */
export const AWS_FIGURES_FILE = 'init-duration-2026-07-01_2026-08-22.csv';

/** Where the CSV lies in the repository: a clone on its own has it (nothing is read from outside the clone). */
export function defaultAwsFiguresPath(projectRoot: string): string {
  return path.resolve(projectRoot, 'data', 'lambda-perf', AWS_FIGURES_FILE);
}

const REQUIRED_COLUMNS = ['runtime', 'package', 'architecture', 'memory_mb', 'n', 'init_p50_ms', 'init_p90_ms'];

/** Parses lambda-perf's summary CSV (no quoted fields in it: runtime labels hold spaces and parentheses only). */
export function parseAwsFigures(text: string, source = 'lambda-perf CSV'): AwsInitFigure[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new AwsFiguresError(`${source} is empty`);
  const header = lines[0].split(',');
  const col = Object.fromEntries(header.map((h, i) => [h, i]));
  for (const c of REQUIRED_COLUMNS) if (col[c] === undefined) throw new AwsFiguresError(`${source} has no column ${c}`);
  return lines.slice(1).map((line, i) => {
    const f = line.split(',');
    if (f.length !== header.length) throw new AwsFiguresError(`${source} line ${i + 2}: ${f.length} fields, the header has ${header.length}`);
    const num = (c: string): number => {
      const raw = f[col[c]];
      // Number('') is 0: an empty cell must not pass for a measurement of zero.
      if (raw === undefined || raw.trim() === '') throw new AwsFiguresError(`${source} line ${i + 2}: ${c} is empty`);
      const v = Number(raw);
      if (!Number.isFinite(v)) throw new AwsFiguresError(`${source} line ${i + 2}: ${c} is not a number: ${JSON.stringify(raw)}`);
      return v;
    };
    const pkg = f[col.package];
    const arch = f[col.architecture];
    if (!f[col.runtime]) throw new AwsFiguresError(`${source} line ${i + 2}: runtime is empty`);
    if (pkg !== 'zip' && pkg !== 'image') throw new AwsFiguresError(`${source} line ${i + 2}: package ${JSON.stringify(pkg)} is not zip or image`);
    if (arch !== 'x86_64' && arch !== 'arm64') throw new AwsFiguresError(`${source} line ${i + 2}: architecture ${JSON.stringify(arch)}`);
    return {
      runtime: f[col.runtime],
      packageType: pkg === 'zip' ? 'Zip' : 'Image',
      architecture: arch,
      memoryMB: num('memory_mb'),
      n: num('n'),
      initP50Ms: num('init_p50_ms'),
      initP90Ms: num('init_p90_ms'),
      maxMemoryUsedMBMean: col.max_memory_used_mb_mean === undefined ? null : num('max_memory_used_mb_mean'),
    } as AwsInitFigure;
  });
}

export function readAwsFigures(file: string): AwsInitFigure[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new AwsFiguresError(`cannot read lambda-perf's AWS figures ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseAwsFigures(text, file);
}

/** The figure of one runtime, package type, architecture and memory size, or undefined when the CSV lacks it. */
export function awsFigureOrUndefined(
  figures: readonly AwsInitFigure[],
  key: { runtime: string; packageType: 'Zip' | 'Image'; architecture: 'x86_64' | 'arm64'; memoryMB: number },
): AwsInitFigure | undefined {
  return figures.find((f) => f.runtime === key.runtime && f.packageType === key.packageType && f.architecture === key.architecture && f.memoryMB === key.memoryMB);
}

/** The figure of one runtime, package type, architecture and memory size; throws when the CSV lacks it. */
export function findAwsFigure(
  figures: readonly AwsInitFigure[],
  key: { runtime: string; packageType: 'Zip' | 'Image'; architecture: 'x86_64' | 'arm64'; memoryMB: number },
): AwsInitFigure {
  const hit = figures.find(
    (f) => f.runtime === key.runtime && f.packageType === key.packageType && f.architecture === key.architecture && f.memoryMB === key.memoryMB,
  );
  if (!hit) {
    const known = [...new Set(figures.map((f) => f.runtime))].join(', ');
    throw new AwsFiguresError(`lambda-perf has no ${key.runtime} ${key.packageType} ${key.architecture} ${key.memoryMB} MB row (runtimes: ${known})`);
  }
  return hit;
}
