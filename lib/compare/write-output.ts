import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write';
import { HISTORY_CHART_METRICS, historyChartName, renderChangeChart, renderHistoryChart } from './render-charts';
import { COMPARE_FILE_NAMES, renderCompareMarkdown } from './render-markdown';
import type { CompareReport } from './report';
import { CompareInputError } from './run-dir';

/**
 * compare's files, and how they reach --out whole or not at all: every file is rendered first, then
 * written (each atomically, lib/util/atomic-write.ts) into a staging directory beside --out, which is
 * renamed to --out at the end. A failure removes the staging directory: no --out, no half set.
 */

export interface CompareFile {
  name: string;
  body: string;
}

export function compareFiles(report: CompareReport): CompareFile[] {
  const files: CompareFile[] = [
    { name: COMPARE_FILE_NAMES.changeChart, body: renderChangeChart(report.comparison) },
  ];
  if (report.history) {
    for (const m of HISTORY_CHART_METRICS) files.push({ name: historyChartName(m), body: renderHistoryChart(report.history, m) });
  }
  files.push({ name: COMPARE_FILE_NAMES.markdown, body: renderCompareMarkdown(report) });
  files.push({ name: COMPARE_FILE_NAMES.json, body: `${JSON.stringify(report, null, 2)}\n` });
  return files;
}

/** --out must be new or empty: a comparison never mixes its files with other files. */
export function checkCompareOut(outArg: string): string {
  const out = path.resolve(outArg);
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new CompareInputError(`--out ${outArg} exists and is not a directory`);
    if (readdirSync(out).length > 0) throw new CompareInputError(`--out ${outArg} already holds files; choose a new or empty directory`);
  }
  return out;
}

export function writeCompareOutput(outArg: string, files: readonly CompareFile[]): string {
  const out = checkCompareOut(outArg);
  const staging = path.join(path.dirname(out), `.${path.basename(out)}.partial-${process.pid}`);
  try {
    for (const f of files) writeFileAtomic(path.join(staging, f.name), f.body);
    // rename(2) replaces an empty directory: an empty --out given by the user is fine.
    renameSync(staging, out);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return out;
}
