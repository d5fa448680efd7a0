import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CSV_COLUMNS } from '../benchmark/render-csv';
import { RESULT_FILE_NAMES } from '../benchmark/result-files';
import type { BenchmarkResults, InvocationRow } from '../benchmark/types';

/**
 * A run directory, read back: results.json and invocations.csv, as `npm run bench -- --out DIR` writes
 * them and as `npm run bench:aws -- --out DIR` downloads them from runs/<execution>/ in the results
 * bucket (lib/handlers/run-layout.ts; the same files, lib/benchmark/result-files.ts). Nothing else of
 * the directory is needed. Every error names the directory, the file and, in the CSV, the line and column.
 */

export class CompareInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompareInputError';
  }
}

export interface RunDirectory {
  /** The directory as given (absolute). */
  dir: string;
  /** A short name for tables: the directory's base name. */
  label: string;
  results: BenchmarkResults;
  /** Every row of invocations.csv, parsed and checked. */
  rows: InvocationRow[];
}

const WHAT_A_RUN_HOLDS =
  `a run directory holds ${RESULT_FILE_NAMES.results} and ${RESULT_FILE_NAMES.invocations}, as \`npm run bench -- --out DIR\` ` +
  'writes them, or as `npm run bench:aws -- --out DIR` downloads them into DIR/<execution name>/';

/** Sub-directories that are runs: a hint when the user named the folder above them. */
function runsBelow(dir: string): string[] {
  const found: string[] = [];
  const look = (d: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const sub = path.join(d, e.name);
      if (existsSync(path.join(sub, RESULT_FILE_NAMES.results))) found.push(sub);
      else if (depth > 0) look(sub, depth - 1);
    }
  };
  look(dir, 1);
  return found.sort();
}

/**
 * RFC 4180 records (what render-csv.ts writes: CRLF or LF line ends, fields quoted when they hold a
 * comma, a quote, CR or LF, quotes doubled). Returns each record with the line it starts on.
 */
export function parseCsvRecords(text: string, file: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let atFieldStart = true;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    fields.push(field);
    records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    atFieldStart = true;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
          const next = text[i + 1];
          if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n') {
            throw new CompareInputError(`${file}: line ${line}: a quoted field is followed by ${JSON.stringify(next)} instead of a comma or a line end`);
          }
        }
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
    } else if (c === '"') {
      throw new CompareInputError(`${file}: line ${line}: a double quote inside an unquoted field`);
    } else if (c === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += c;
      atFieldStart = false;
    }
  }
  if (quoted) throw new CompareInputError(`${file}: line ${recordLine}: a quoted field is never closed (the file is cut short)`);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

const NULLABLE_NUMBERS = ['initMs', 'durationMs', 'billedMs', 'maxMemoryMB'] as const;

/** invocations.csv parsed into rows, every field checked; `targets` are the keys results.json has. */
export function parseInvocationsCsv(text: string, file: string, targets: ReadonlySet<string>): InvocationRow[] {
  const records = parseCsvRecords(text, file);
  if (records.length === 0) throw new CompareInputError(`${file} is empty: expected the header ${CSV_COLUMNS.join(',')}`);
  const header = records[0].fields;
  const missing = CSV_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new CompareInputError(`${file}: line 1: the header lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (expected ${CSV_COLUMNS.join(',')})`);
  }
  const at = Object.fromEntries(CSV_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<(typeof CSV_COLUMNS)[number], number>;
  const rows: InvocationRow[] = [];
  for (const { line, fields } of records.slice(1)) {
    if (fields.length === 1 && fields[0] === '') continue; // a blank line
    const where = `${file}: line ${line}`;
    if (fields.length !== header.length) {
      throw new CompareInputError(`${where}: ${fields.length} fields where the header has ${header.length} (the row is cut short or has extra commas)`);
    }
    const get = (c: (typeof CSV_COLUMNS)[number]) => fields[at[c]];
    const number = (c: (typeof CSV_COLUMNS)[number], nullable: boolean): number | null => {
      const v = get(c);
      if (v === '' && nullable) return null;
      const n = v.trim() === '' ? NaN : Number(v);
      if (!Number.isFinite(n) || n < 0) throw new CompareInputError(`${where}, column ${c}: ${JSON.stringify(v)} is not a number of 0 or more`);
      return n;
    };
    const target = get('target');
    if (!targets.has(target)) {
      throw new CompareInputError(`${where}, column target: ${JSON.stringify(target)} is not a target of results.json (${[...targets].join(', ')})`);
    }
    const phase = get('phase');
    if (phase !== 'cold' && phase !== 'warm') throw new CompareInputError(`${where}, column phase: ${JSON.stringify(phase)} is neither cold nor warm`);
    const index = number('index', false)!;
    if (!Number.isInteger(index)) throw new CompareInputError(`${where}, column index: ${JSON.stringify(get('index'))} is not a whole number`);
    const status = get('status');
    if (status === '') throw new CompareInputError(`${where}, column status: empty (expected ok or the way the invocation failed)`);
    const row: InvocationRow = {
      target,
      phase,
      index,
      requestId: get('requestId'),
      startedAt: number('startedAt', false)!,
      roundTripMs: number('roundTripMs', false)!,
      initMs: null,
      durationMs: null,
      billedMs: null,
      maxMemoryMB: null,
      status,
      errorType: get('errorType') === '' ? null : get('errorType'),
      initReport: get('initReport') === '' ? null : get('initReport'),
    };
    for (const c of NULLABLE_NUMBERS) row[c] = number(c, true);
    // What aggregate() counts as a sample must carry the values the comparison reads.
    if (status === 'ok' && row.durationMs === null) throw new CompareInputError(`${where}, column durationMs: empty on an invocation with status ok`);
    rows.push(row);
  }
  return rows;
}

function checkResults(json: unknown, file: string): BenchmarkResults {
  const fail = (problem: string): never => {
    throw new CompareInputError(`${file}: ${problem}; ${WHAT_A_RUN_HOLDS}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('not a JSON object');
  const r = json as Partial<BenchmarkResults>;
  if (r.schemaVersion !== 1) fail(`"schemaVersion" is ${JSON.stringify(r.schemaVersion)}, this reader knows 1`);
  if (r.backend !== 'local' && r.backend !== 'aws') fail(`"backend" is ${JSON.stringify(r.backend)}, expected "local" or "aws"`);
  if (typeof r.startedAt !== 'string' || !Number.isFinite(Date.parse(r.startedAt))) fail(`"startedAt" is ${JSON.stringify(r.startedAt)}, expected an ISO time`);
  if (typeof r.targets !== 'object' || r.targets === null || Array.isArray(r.targets)) fail('"targets" is not an object of targets');
  if (typeof r.environment !== 'object' || r.environment === null) fail('"environment" (the manifest of the machine) is missing');
  if (typeof r.config !== 'object' || r.config === null) fail('"config" is missing');
  return json as BenchmarkResults;
}

/** Reads and checks one run directory; throws CompareInputError naming what is wrong. */
export function readRunDirectory(dirArg: string): RunDirectory {
  const dir = path.resolve(dirArg);
  if (!existsSync(dir)) throw new CompareInputError(`${dirArg} does not exist; ${WHAT_A_RUN_HOLDS}`);
  if (!statSync(dir).isDirectory()) throw new CompareInputError(`${dirArg} is not a directory; ${WHAT_A_RUN_HOLDS}`);
  const resultsFile = path.join(dir, RESULT_FILE_NAMES.results);
  if (!existsSync(resultsFile)) {
    const below = runsBelow(dir);
    const hint = below.length > 0 ? ` It holds runs below it: ${below.map((b) => path.relative(process.cwd(), b) || b).join(', ')}.` : '';
    throw new CompareInputError(`${dirArg} is not a benchmark run: it has no ${RESULT_FILE_NAMES.results}; ${WHAT_A_RUN_HOLDS}.${hint}`);
  }
  const label = path.join(dirArg, RESULT_FILE_NAMES.results);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch (error) {
    throw new CompareInputError(`${label} is not valid JSON: ${(error as Error).message}`);
  }
  const results = checkResults(json, label);
  const csvFile = path.join(dir, RESULT_FILE_NAMES.invocations);
  if (!existsSync(csvFile)) {
    throw new CompareInputError(`${dirArg} has ${RESULT_FILE_NAMES.results} but no ${RESULT_FILE_NAMES.invocations}: the raw samples every interval is drawn from`);
  }
  const rows = parseInvocationsCsv(readFileSync(csvFile, 'utf8'), path.join(dirArg, RESULT_FILE_NAMES.invocations), new Set(Object.keys(results.targets)));
  return { dir, label: path.basename(dir), results, rows };
}
