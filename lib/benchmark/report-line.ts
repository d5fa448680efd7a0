import type { InitReportRecord, ReportRecord } from './types';

/**
 * Parses Lambda's per-invocation REPORT records, in both log formats:
 *
 * - Text: `REPORT RequestId: <id>\tDuration: 0.99 ms\tBilled Duration: 24 ms\tMemory Size: 128 MB\t`
 *   `Max Memory Used: 13 MB\tInit Duration: 22.58 ms\t` — TAB separated, with a trailing TAB, optional
 *   fields (Init Duration, Restore Duration, Billed Restore Duration, Status, Error Type) and possibly
 *   an `XRAY TraceId: ...` line after it in the same log event.
 * - JSON: `{"time": ..., "type": "platform.report", "record": {"requestId": ..., "status": ...,
 *   "metrics": {"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB", "initDurationMs"?,
 *   "restoreDurationMs"?, "billedRestoreDurationMs"?}, "errorType"?}}`.
 *
 * Contract, the same for both formats:
 * - returns `undefined` when the message is not a REPORT record at all (START/END lines, function
 *   output that merely contains the word REPORT, other platform events);
 * - throws `ReportLineError` when it is one but cannot be read (a field missing, a number or unit
 *   wrong, a field twice): such a line means the producer is broken, and silently skipping it would
 *   bias the sample.
 */

export class ReportLineError extends Error {
  constructor(
    readonly problem: string,
    readonly line: string,
  ) {
    super(`malformed REPORT record: ${problem}: ${JSON.stringify(line.length > 300 ? `${line.slice(0, 300)}...` : line)}`);
    this.name = 'ReportLineError';
  }
}

const TEXT_PREFIX = 'REPORT RequestId: ';

type NumericField = 'durationMs' | 'billedDurationMs' | 'memorySizeMB' | 'maxMemoryUsedMB' | 'initDurationMs' | 'restoreDurationMs' | 'billedRestoreDurationMs';

/** Text field label → record field and the unit Lambda writes after the number. */
const TEXT_NUMERIC_FIELDS: Record<string, { field: NumericField; unit: 'ms' | 'MB' }> = {
  Duration: { field: 'durationMs', unit: 'ms' },
  'Billed Duration': { field: 'billedDurationMs', unit: 'ms' },
  'Memory Size': { field: 'memorySizeMB', unit: 'MB' },
  'Max Memory Used': { field: 'maxMemoryUsedMB', unit: 'MB' },
  'Init Duration': { field: 'initDurationMs', unit: 'ms' },
  'Restore Duration': { field: 'restoreDurationMs', unit: 'ms' },
  'Billed Restore Duration': { field: 'billedRestoreDurationMs', unit: 'ms' },
};

const REQUIRED: NumericField[] = ['durationMs', 'billedDurationMs', 'memorySizeMB', 'maxMemoryUsedMB'];

// A plain decimal, as Lambda writes it (no exponent, no sign, no NaN).
const DECIMAL = /^\d+(?:\.\d+)?$/;

export function parseReportLine(message: string): ReportRecord | undefined {
  if (typeof message !== 'string') {
    return undefined;
  }
  const trimmed = message.trimStart();
  if (trimmed.startsWith('{')) {
    return parseJsonReport(trimmed);
  }
  if (trimmed.startsWith('REPORT')) {
    return parseTextReport(trimmed);
  }
  return undefined;
}

function parseTextReport(message: string): ReportRecord | undefined {
  // The REPORT line is the first line; an XRAY TraceId line may follow it in the same event.
  const line = message.split(/\r?\n/, 1)[0];
  if (!line.startsWith(TEXT_PREFIX)) {
    if (/^REPORT\s+RequestId:/.test(line)) {
      throw new ReportLineError('expected "REPORT RequestId: " followed by the id', line);
    }
    // "REPORTING ..." or similar function output: not a platform line.
    return undefined;
  }
  const parts = line.slice(TEXT_PREFIX.length).split('\t');
  // A well-formed line ends with a TAB, so the last part is empty; tolerate its absence.
  if (parts.length > 0 && parts[parts.length - 1].trim() === '') {
    parts.pop();
  }
  const requestId = parts.shift() ?? '';
  if (requestId === '' || /\s/.test(requestId)) {
    throw new ReportLineError(
      requestId.includes(' ') && requestId.includes('Duration:')
        ? 'fields are not TAB-separated'
        : 'request id is empty or contains whitespace',
      line,
    );
  }
  const record: Partial<ReportRecord> & { requestId: string } = { requestId };
  const seen = new Set<string>();
  for (const part of parts) {
    const colon = part.indexOf(': ');
    if (colon <= 0) {
      throw new ReportLineError(`field ${JSON.stringify(part)} is not "Name: value"`, line);
    }
    const label = part.slice(0, colon).trim();
    const rawValue = part.slice(colon + 2).trim();
    if (seen.has(label)) {
      throw new ReportLineError(`field "${label}" appears twice`, line);
    }
    seen.add(label);
    const numeric = TEXT_NUMERIC_FIELDS[label];
    if (numeric) {
      const match = /^(\S+) (ms|MB)$/.exec(rawValue);
      if (!match || !DECIMAL.test(match[1])) {
        throw new ReportLineError(`field "${label}" must be a number followed by " ${numeric.unit}", got ${JSON.stringify(rawValue)}`, line);
      }
      if (match[2] !== numeric.unit) {
        throw new ReportLineError(`field "${label}" must be in ${numeric.unit}, got ${match[2]}`, line);
      }
      record[numeric.field] = Number(match[1]);
    } else if (label === 'Status') {
      record.status = rawValue;
    } else if (label === 'Error Type') {
      record.errorType = rawValue;
    }
    // Any other label is a field Lambda added later; ignoring it keeps old parsers working.
  }
  return complete(record, line);
}

function parseJsonReport(message: string): ReportRecord | undefined {
  let event: unknown;
  try {
    event = JSON.parse(message);
  } catch {
    // Function output that happens to start with '{' but is not JSON is not a platform event.
    return undefined;
  }
  if (!isObject(event) || event.type !== 'platform.report') {
    return undefined;
  }
  const record = event.record;
  if (!isObject(record)) {
    throw new ReportLineError('"record" must be an object', message);
  }
  const requestId = record.requestId;
  if (typeof requestId !== 'string' || requestId === '' || /\s/.test(requestId)) {
    throw new ReportLineError('"record.requestId" must be a non-empty string without whitespace', message);
  }
  const metrics = record.metrics;
  if (!isObject(metrics)) {
    throw new ReportLineError('"record.metrics" must be an object', message);
  }
  const out: Partial<ReportRecord> & { requestId: string } = { requestId };
  const names: NumericField[] = [...REQUIRED, 'initDurationMs', 'restoreDurationMs', 'billedRestoreDurationMs'];
  for (const name of names) {
    const value = metrics[name];
    if (value === undefined) {
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ReportLineError(`"record.metrics.${name}" must be a non-negative number, got ${JSON.stringify(value)}`, message);
    }
    out[name] = value;
  }
  if (record.status !== undefined) {
    if (typeof record.status !== 'string') {
      throw new ReportLineError('"record.status" must be a string', message);
    }
    out.status = record.status;
  }
  if (record.errorType !== undefined) {
    if (typeof record.errorType !== 'string') {
      throw new ReportLineError('"record.errorType" must be a string', message);
    }
    out.errorType = record.errorType;
  }
  return complete(out, message, 'record.metrics.');
}

function complete(record: Partial<ReportRecord> & { requestId: string }, line: string, prefix = ''): ReportRecord {
  const labels: Record<string, string> = {
    durationMs: 'Duration',
    billedDurationMs: 'Billed Duration',
    memorySizeMB: 'Memory Size',
    maxMemoryUsedMB: 'Max Memory Used',
  };
  for (const field of REQUIRED) {
    if (record[field] === undefined) {
      throw new ReportLineError(`required field "${prefix ? prefix + field : labels[field]}" is missing`, line);
    }
  }
  return record as ReportRecord;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * True when a REPORT record describes a failed invocation. Text lines carry Status only on failure;
 * JSON events always carry it ('success' when fine).
 */
export function reportFailed(report: ReportRecord): boolean {
  return report.status !== undefined && report.status !== 'success';
}

const INIT_TEXT_PREFIX = 'INIT_REPORT ';

/**
 * Parses Lambda's INIT_REPORT records, written when an environment's init fails or times out (and
 * for a retried init inside the invocation, with `Phase: invoke`):
 *
 * - Text: `INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout`, with
 *   `\tError Type: Runtime.ExitError` after `Status: error`. TAB separated like REPORT lines.
 * - JSON: `{"type": "platform.initReport", "record": {"initializationType": "on-demand", "phase": "init",
 *   "status": "timeout", "metrics": {"durationMs": 10000.0}, "errorType"?}}` (Lambda's Telemetry API
 *   event schema reference, platform.initReport).
 *
 * Same contract as parseReportLine: undefined for anything that is not an INIT_REPORT record, a
 * ReportLineError for one that cannot be read.
 */
export function parseInitReportLine(message: string): InitReportRecord | undefined {
  if (typeof message !== 'string') return undefined;
  const trimmed = message.trimStart();
  if (trimmed.startsWith('{')) return parseJsonInitReport(trimmed);
  if (!trimmed.startsWith(INIT_TEXT_PREFIX)) return undefined;
  const line = trimmed.split(/\r?\n/, 1)[0];
  const parts = line.slice(INIT_TEXT_PREFIX.length).split('\t').map((p) => p.trim()).filter((p) => p !== '');
  const out: Partial<InitReportRecord> = {};
  const seen = new Set<string>();
  for (const part of parts) {
    const colon = part.indexOf(': ');
    if (colon <= 0) throw new ReportLineError(`INIT_REPORT field ${JSON.stringify(part)} is not "Name: value"`, line);
    const label = part.slice(0, colon).trim();
    const value = part.slice(colon + 2).trim();
    if (seen.has(label)) throw new ReportLineError(`INIT_REPORT field "${label}" appears twice`, line);
    seen.add(label);
    if (label === 'Init Duration') {
      const match = /^(\S+) ms$/.exec(value);
      if (!match || !DECIMAL.test(match[1])) throw new ReportLineError(`INIT_REPORT field "Init Duration" must be a number followed by " ms", got ${JSON.stringify(value)}`, line);
      out.initDurationMs = Number(match[1]);
    } else if (label === 'Phase') {
      out.phase = value;
    } else if (label === 'Status') {
      out.status = value;
    } else if (label === 'Error Type') {
      out.errorType = value;
    }
    // Other labels: fields Lambda may add later.
  }
  return completeInit(out, line, { initDurationMs: 'Init Duration', phase: 'Phase', status: 'Status' });
}

function parseJsonInitReport(message: string): InitReportRecord | undefined {
  let event: unknown;
  try {
    event = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!isObject(event) || event.type !== 'platform.initReport') return undefined;
  const record = event.record;
  if (!isObject(record)) throw new ReportLineError('"record" must be an object', message);
  const metrics = record.metrics;
  if (!isObject(metrics)) throw new ReportLineError('"record.metrics" must be an object', message);
  const out: Partial<InitReportRecord> = {};
  const duration = metrics.durationMs;
  if (duration !== undefined) {
    if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) {
      throw new ReportLineError(`"record.metrics.durationMs" must be a non-negative number, got ${JSON.stringify(duration)}`, message);
    }
    out.initDurationMs = duration;
  }
  for (const key of ['phase', 'status', 'errorType'] as const) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new ReportLineError(`"record.${key}" must be a string`, message);
    out[key] = value;
  }
  return completeInit(out, message, { initDurationMs: 'record.metrics.durationMs', phase: 'record.phase', status: 'record.status' });
}

function completeInit(record: Partial<InitReportRecord>, line: string, labels: Record<'initDurationMs' | 'phase' | 'status', string>): InitReportRecord {
  for (const field of ['initDurationMs', 'phase', 'status'] as const) {
    if (record[field] === undefined) throw new ReportLineError(`INIT_REPORT field "${labels[field]}" is missing`, line);
  }
  const out: InitReportRecord = { initDurationMs: record.initDurationMs as number, phase: record.phase as string, status: record.status as string };
  if (record.errorType !== undefined) out.errorType = record.errorType;
  return out;
}
