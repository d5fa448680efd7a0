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

export interface CalibrationRow {
  /** The calibration function (its target file's functionName). */
  calibrationFunction: string;
  /** lambda-perf's runtime label, e.g. 'python3.12', 'rust (prov.al2023)'. */
  runtime: string;
  /** The runtime's language family (rust, python, nodejs, java), for leave-one-family-out checks. */
  family: string;
  localN: number;
  localInitP50Ms: number;
  localInitP90Ms: number;
  /** p50 of the file bytes each cold start's INIT brought in locally, MB (lib/local-lambda/init-footprint.ts). */
  localInitFileMB: number;
  packageType: 'Zip' | 'Image';
  architecture: 'x86_64' | 'arm64';
  awsMemoryMB: number;
  awsN: number;
  awsInitP50Ms: number;
  awsInitP90Ms: number;
}

export class CalibrationTableError extends Error {}

const COLUMNS = [
  'calibration_function',
  'runtime',
  'family',
  'local_n',
  'local_init_p50_ms',
  'local_init_p90_ms',
  'local_init_file_mb',
  'package_type',
  'architecture',
  'aws_memory_mb',
  'aws_n',
  'aws_init_p50_ms',
  'aws_init_p90_ms',
] as const;

/** rust (prov.al2023) → rust, python3.12 → python, nodejs22.x → nodejs, java17 → java. */
export function runtimeFamily(runtime: string): string {
  const m = /^[a-z]+/.exec(runtime.toLowerCase());
  if (!m) throw new CalibrationTableError(`cannot tell the language family of runtime ${JSON.stringify(runtime)}`);
  return m[0];
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
        r.localN,
        r.localInitP50Ms,
        r.localInitP90Ms,
        r.localInitFileMB,
        r.packageType,
        r.architecture,
        r.awsMemoryMB,
        r.awsN,
        r.awsInitP50Ms,
        r.awsInitP90Ms,
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
    const packageType = f[7];
    const architecture = f[8];
    if (packageType !== 'Zip' && packageType !== 'Image') throw new CalibrationTableError(`${where}: package_type must be Zip or Image, got ${JSON.stringify(packageType)}`);
    if (architecture !== 'x86_64' && architecture !== 'arm64') throw new CalibrationTableError(`${where}: architecture must be x86_64 or arm64, got ${JSON.stringify(architecture)}`);
    const row: CalibrationRow = {
      calibrationFunction: f[0],
      runtime: f[1],
      family: f[2],
      localN: num(3),
      localInitP50Ms: num(4),
      localInitP90Ms: num(5),
      localInitFileMB: num(6),
      packageType,
      architecture,
      awsMemoryMB: num(9),
      awsN: num(10),
      awsInitP50Ms: num(11),
      awsInitP90Ms: num(12),
    };
    if (row.localInitP50Ms <= 0 || row.awsInitP50Ms <= 0) throw new CalibrationTableError(`${where}: Init Duration p50 must be positive (the model works on logarithms)`);
    return row;
  });
}
