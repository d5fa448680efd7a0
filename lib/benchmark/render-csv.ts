import type { InvocationRow } from './types';

/**
 * invocations.csv: one row per invocation, RFC 4180 (CRLF line ends, fields quoted when they hold a
 * comma, a double quote, CR or LF; quotes doubled). Empty field = no value (e.g. no Init Duration).
 */

export const CSV_COLUMNS: readonly (keyof InvocationRow)[] = [
  'target', 'phase', 'index', 'requestId', 'startedAt', 'roundTripMs',
  'initMs', 'durationMs', 'billedMs', 'maxMemoryMB', 'status', 'errorType', 'initReport',
];

export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(rows: readonly InvocationRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(CSV_COLUMNS.map((c) => csvField(row[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
