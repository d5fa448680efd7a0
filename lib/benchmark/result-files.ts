import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { renderCsv } from './render-csv';
import { renderMarkdown } from './render-markdown';
import { renderColdStartChart, renderDistributionChart, targetColors } from './render-svg';
import { ladderSteps, memorySeries, renderLadderChart, renderMemoryChart, LADDER_FILE_NAMES } from './render-ladder';
import type { BenchmarkResults, InvocationRow } from './types';
import { byteLength, FileWriteError } from '../util/file-write-error';

/**
 * The result files of a run, and where they go: a local directory or an S3 prefix. Both backends
 * write the same set.
 */

export interface ResultFile {
  name: string;
  contentType: string;
  body: string;
}

export const RESULT_FILE_NAMES = Object.freeze({
  results: 'results.json',
  invocations: 'invocations.csv',
  report: 'report.md',
  coldStartChart: 'cold-start.svg',
  coldInitDistribution: 'cold-init-distribution.svg',
  warmDurationDistribution: 'warm-duration-distribution.svg',
});

/** Samples of one metric per target, taken from the rows with the same rules as aggregate(). */
function seriesOf(rows: readonly InvocationRow[], targets: string[], pick: (r: InvocationRow) => number | null) {
  return targets.map((t) => ({
    label: t,
    values: rows.filter((r) => r.target === t && r.status === 'ok').map(pick).filter((v): v is number => v !== null),
  }));
}

/**
 * All files of a run. results.json comes last: writers put files in this order, so a results.json
 * on disk means the whole set was written.
 */
export function buildResultFiles(results: BenchmarkResults, rows: readonly InvocationRow[], extras: { planSection?: readonly string[] } = {}): ResultFile[] {
  const keys = Object.keys(results.targets);
  const names = RESULT_FILE_NAMES;
  const where = results.backend === 'aws' ? 'AWS Lambda' : 'local Lambda service';
  // Measured bars, and on a local run the predicted AWS Init Duration with its interval beside them.
  const coldChart = renderColdStartChart(results);
  // Each target in one colour in every chart of the run (targetColors).
  const colorOf = targetColors(results);
  const initDistribution = renderDistributionChart({
    title: 'Cold start Init Duration, every sample',
    subtitle: where,
    unit: 'ms',
    series: seriesOf(rows, keys, (r) => (r.phase === 'cold' ? r.initMs : null)),
    colorOf,
  });
  const warmDistribution = renderDistributionChart({
    title: 'Warm invocation Duration, every sample',
    subtitle: where,
    unit: 'ms',
    series: seriesOf(rows, keys, (r) => (r.phase === 'warm' && r.initMs === null ? r.durationMs : null)),
    colorOf,
  });
  const markdown = renderMarkdown(results, {
    charts: [
      { file: names.coldStartChart, title: 'Cold start comparison' },
      { file: names.coldInitDistribution, title: 'Init Duration distribution' },
      { file: names.warmDurationDistribution, title: 'Warm Duration distribution' },
    ],
    files: [
      { file: names.results, description: 'every statistic of this report, machine-readable' },
      { file: names.invocations, description: 'one row per invocation, with its REPORT values' },
    ],
    ...(extras.planSection ? { planSection: extras.planSection } : {}),
  });
  // The ladder's charts, when the run measured a ladder (more than two steps) or several memory sizes.
  const ladder: ResultFile[] = [];
  if (ladderSteps(results).length > 2) ladder.push({ name: LADDER_FILE_NAMES.ladderChart, contentType: 'image/svg+xml', body: renderLadderChart(results) });
  if (memorySeries(results).length > 0) ladder.push({ name: LADDER_FILE_NAMES.memoryChart, contentType: 'image/svg+xml', body: renderMemoryChart(results) });
  return [
    ...ladder,
    { name: names.coldStartChart, contentType: 'image/svg+xml', body: coldChart },
    { name: names.coldInitDistribution, contentType: 'image/svg+xml', body: initDistribution },
    { name: names.warmDurationDistribution, contentType: 'image/svg+xml', body: warmDistribution },
    { name: names.invocations, contentType: 'text/csv; charset=utf-8', body: renderCsv(rows) },
    { name: names.report, contentType: 'text/markdown; charset=utf-8', body: markdown },
    { name: names.results, contentType: 'application/json', body: `${JSON.stringify(results, null, 2)}\n` },
  ];
}

export interface ResultSink {
  put(name: string, body: string | Uint8Array, contentType: string): Promise<void>;
}

export async function writeResultFiles(sink: ResultSink, files: readonly ResultFile[]): Promise<void> {
  for (const f of files) {
    await sink.put(f.name, f.body, f.contentType);
  }
}

/** A result file name is a plain file name: no directories, no hidden files. */
export function checkFileName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes('..')) {
    throw new Error(`result file name ${JSON.stringify(name)} must be a plain file name (letters, digits, '.', '_', '-')`);
  }
}

/** File-system operations DirectorySink uses; replaceable so tests can make a write fail half way. */
export interface SinkFileOps {
  mkdir(dir: string): Promise<void>;
  /** Writes and flushes `body` to a new file at `file` (which must not exist). */
  writeNewFile(file: string, body: string | Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
}

export const nodeFileOps: SinkFileOps = {
  async mkdir(dir) {
    await fs.mkdir(dir, { recursive: true });
  },
  // Files are synced here; the directory entries are synced by whoever publishes the directory
  // (the local bench syncs the whole tree before renaming it into place).
  async writeNewFile(file, body) {
    const handle = await fs.open(file, 'wx', 0o644);
    try {
      await handle.writeFile(body);
      // Flushed before the rename, so a crash cannot leave a complete-looking name over empty blocks.
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async rename(from, to) {
    await fs.rename(from, to);
  },
  async unlink(file) {
    await fs.unlink(file);
  },
};

/**
 * Writes each file to a temporary name in the same directory, then renames it into place: rename
 * within one file system is atomic, so every file is either complete or absent (an older complete
 * version stays if the new write fails).
 */
export class DirectorySink implements ResultSink {
  constructor(
    readonly directory: string,
    private readonly ops: SinkFileOps = nodeFileOps,
  ) {}

  async put(name: string, body: string | Uint8Array, _contentType: string): Promise<void> {
    checkFileName(name);
    const finalPath = path.join(this.directory, name);
    const tempPath = path.join(this.directory, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await this.ops.mkdir(this.directory);
      await this.ops.writeNewFile(tempPath, body);
      await this.ops.rename(tempPath, finalPath);
    } catch (err) {
      await this.ops.unlink(tempPath).catch(() => undefined);
      throw new FileWriteError(finalPath, byteLength(body), err);
    }
  }
}

/** Puts each file under `prefix` in an S3 bucket (a PutObject is atomic: the object appears whole or not at all). */
export class S3Sink implements ResultSink {
  private readonly prefix: string;
  constructor(
    private readonly s3: Pick<S3Client, 'send'>,
    readonly bucket: string,
    prefix: string,
  ) {
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  async put(name: string, body: string | Uint8Array, contentType: string): Promise<void> {
    checkFileName(name);
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(name), Body: body, ContentType: contentType }));
  }
}
