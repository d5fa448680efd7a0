/** Shared set-up for the local Lambda service's tests: fixture functions, SDK clients, log parsing. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import type { LocalFunctionDefinition } from '../../lib/local-lambda';

export const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'runtimes');
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** A function backed by test-runtime.cjs; one full vCPU unless a test says otherwise, to keep tests quick. */
export function fixtureFunction(functionName: string, overrides: Partial<LocalFunctionDefinition> = {}): LocalFunctionDefinition {
  return {
    functionName,
    runtime: 'provided.al2023',
    packageType: 'Zip',
    command: process.execPath,
    args: [path.join(FIXTURES, 'test-runtime.cjs')],
    cwd: FIXTURES,
    handler: 'test-runtime.handler',
    memorySizeMB: 1769,
    timeoutSeconds: 5,
    ...overrides,
  };
}

export function clients(endpoint: string): { lambda: LambdaClient; logs: CloudWatchLogsClient } {
  const config = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  return { lambda: new LambdaClient({ ...config, maxAttempts: 1 }), logs: new CloudWatchLogsClient({ ...config, maxAttempts: 1 }) };
}

export interface Invoked {
  out: InvokeCommandOutput;
  payload: string;
  json: any;
  tail: string;
  report: Record<string, string>;
  reportLine: string;
}

export async function invoke(lambda: LambdaClient, functionName: string, event: unknown = {}): Promise<Invoked> {
  const out = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(event)), LogType: 'Tail' }));
  const payload = Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    json = undefined;
  }
  const tail = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
  const reportLine = tail.split('\n').find((l) => l.startsWith('REPORT ')) ?? '';
  return { out, payload, json, tail, report: parseReportLine(reportLine), reportLine };
}

/** REPORT line fields by name: {RequestId, Duration: '1.23 ms', ...}. */
export function parseReportLine(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const part of line.replace(/^REPORT /, '').split('\t')) {
    const i = part.indexOf(': ');
    if (i > 0) fields[part.slice(0, i)] = part.slice(i + 2);
  }
  return fields;
}

export function ms(field: string | undefined): number {
  if (field === undefined) return NaN;
  const m = /^([\d.]+) ms$/.exec(field);
  return m ? Number(m[1]) : NaN;
}

export function mb(field: string | undefined): number {
  if (field === undefined) return NaN;
  const m = /^(\d+) MB$/.exec(field);
  return m ? Number(m[1]) : NaN;
}

/** True while any process of the group still exists (zombies included). */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function processExists(pid: number): boolean {
  return fs.existsSync(`/proc/${pid}`);
}
