/**
 * lambda-perf's AWS Init Duration figures (the shared CSV summarised in
 * ../shared/data/lambda-perf/README.md: about 500 forced cold starts per runtime, package type,
 * architecture and memory size on AWS, 2026-07-01 to 2026-08-22).
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
}

export class AwsFiguresError extends Error {}

/** Where the shared CSV lies beside the repository (../shared, as on the development machines and in CI). */
export function defaultAwsFiguresPath(projectRoot: string): string {
  return path.resolve(projectRoot, '..', 'shared', 'data', 'lambda-perf', 'init-duration-2026-07-01_2026-08-22.csv');
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
    const num = (c: string): number => {
      const v = Number(f[col[c]]);
      if (!Number.isFinite(v)) throw new AwsFiguresError(`${source} line ${i + 2}: ${c} is not a number: ${JSON.stringify(f[col[c]])}`);
      return v;
    };
    const pkg = f[col.package];
    const arch = f[col.architecture];
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
