/**
 * The calibration table: each calibration function's local Init Duration (and the file bytes its INIT
 * brought in) beside lambda-perf's AWS figures for the same runtime, one row per AWS package type and
 * architecture. It is what the model is fitted from (data/calibration/calibration-table.csv, committed),
 * so a refit needs nothing else.
 *
 * The local figures are the same on the Zip and the Image rows of a runtime: an image runs the same
 * runtime command as the managed zip runtime (lib/calibration/README.md says why), so locally there is
 * one launch per runtime, and the image's extra cost on AWS is the platform's, which the model carries.
 */

import { familyOfRuntime } from '../prediction/family';
import type { CalibrationRow } from '../prediction/types';

export type { CalibrationRow };

export class CalibrationTableError extends Error {}

const COLUMNS = [
  'calibration_function',
  'runtime',
  'family',
  'source',
  'local_n',
  'local_init_p50_ms',
  'local_init_p90_ms',
  'local_init_file_mb',
  'local_package_file_mb',
  'local_max_memory_mb',
  'package_zip_mb',
  'package_type',
  'architecture',
  'aws_memory_mb',
  'aws_n',
  'aws_init_p50_ms',
  'aws_init_p90_ms',
  'aws_max_memory_mb',
] as const;

/** rust (prov.al2023) → rust, python3.12 → python, nodejs22.x → nodejs, java17 → java, bun (prov.al2) → bun. */
export function runtimeFamily(runtime: string): string {
  const family = familyOfRuntime(runtime);
  if (!family) throw new CalibrationTableError(`cannot tell the language family of runtime ${JSON.stringify(runtime)}`);
  return family;
}

/** Rows in a fixed order (runtime, package type, architecture), so the same rows always give the same file. */
export function sortRows(rows: readonly CalibrationRow[]): CalibrationRow[] {
  return [...rows].sort(
    (a, b) => a.runtime.localeCompare(b.runtime) || a.packageType.localeCompare(b.packageType) || a.architecture.localeCompare(b.architecture),
  );
}

function cell(v: string | number): string {
  const s = String(v);
  if (/[",\n]/.test(s)) return `"${s.replace(/"/g, '""')}"`;
  return s;
}

export function renderCalibrationTable(rows: readonly CalibrationRow[]): string {
  const lines = [COLUMNS.join(',')];
  for (const r of sortRows(rows)) {
    lines.push(
      [
        r.calibrationFunction,
        r.runtime,
        r.family,
        r.source,
        r.localN,
        r.localInitP50Ms,
        r.localInitP90Ms,
        r.localInitFileMB,
        r.localPackageFileMB,
        r.localMaxMemoryMB,
        r.packageZipMB,
        r.packageType,
        r.architecture,
        r.awsMemoryMB,
        r.awsN,
        r.awsInitP50Ms,
        r.awsInitP90Ms,
        r.awsMaxMemoryMB ?? '',
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Splits one CSV line, with RFC 4180 quoting. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else v += line[i++];
      }
      out.push(v);
      i++; // the comma
    } else {
      const end = line.indexOf(',', i);
      const stop = end === -1 ? line.length : end;
      out.push(line.slice(i, stop));
      i = stop + 1;
    }
  }
  return out;
}

export function parseCalibrationTable(text: string, source = 'calibration table'): CalibrationRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  if (lines.length === 0 || lines[0] !== COLUMNS.join(',')) {
    throw new CalibrationTableError(`${source}: the first line must be the header ${COLUMNS.join(',')}`);
  }
  return lines.slice(1).map((line, i) => {
    const f = splitCsvLine(line);
    const where = `${source} line ${i + 2}`;
    if (f.length !== COLUMNS.length) throw new CalibrationTableError(`${where}: ${f.length} fields, expected ${COLUMNS.length}`);
    const num = (k: number): number => {
      const v = Number(f[k]);
      if (f[k] === '' || !Number.isFinite(v) || v < 0) throw new CalibrationTableError(`${where}: ${COLUMNS[k]} must be a non-negative number, got ${JSON.stringify(f[k])}`);
      return v;
    };
    const packageType = f[11];
    const architecture = f[12];
    if (packageType !== 'Zip' && packageType !== 'Image') throw new CalibrationTableError(`${where}: package_type must be Zip or Image, got ${JSON.stringify(packageType)}`);
    if (architecture !== 'x86_64' && architecture !== 'arm64') throw new CalibrationTableError(`${where}: architecture must be x86_64 or arm64, got ${JSON.stringify(architecture)}`);
    for (const k of [0, 1, 2, 3]) if (f[k] === '') throw new CalibrationTableError(`${where}: ${COLUMNS[k]} is empty`);
    const row: CalibrationRow = {
      calibrationFunction: f[0],
      runtime: f[1],
      family: f[2],
      source: f[3],
      localN: num(4),
      localInitP50Ms: num(5),
      localInitP90Ms: num(6),
      localInitFileMB: num(7),
      localPackageFileMB: num(8),
      localMaxMemoryMB: num(9),
      packageZipMB: num(10),
      packageType,
      architecture,
      awsMemoryMB: num(13),
      awsN: num(14),
      awsInitP50Ms: num(15),
      awsInitP90Ms: num(16),
      // Empty where the source gives no Max Memory Used.
      awsMaxMemoryMB: f[17] === '' ? null : num(17),
    };
    if (row.localPackageFileMB > row.localInitFileMB) throw new CalibrationTableError(`${where}: local_package_file_mb (${row.localPackageFileMB}) exceeds local_init_file_mb (${row.localInitFileMB}), of which it is a part`);
    if (row.localInitP50Ms <= 0 || row.awsInitP50Ms <= 0) throw new CalibrationTableError(`${where}: Init Duration p50 must be positive (the model works on logarithms)`);
    return row;
  });
}
