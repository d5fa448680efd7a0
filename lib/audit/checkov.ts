import * as path from 'node:path';
import type { Finding } from './findings';
import { runTool, venvTool } from './python-tools';

/**
 * checkov (PyPI, a policy-as-code scanner) with its CloudFormation checks on synthesized templates:
 * every failed check, per template file. One process checks all the files given; it takes about
 * 10 s on two CPUs, mostly loading its checks, so callers batch their templates.
 */

interface CheckovCheck {
  check_id: string;
  check_name: string;
  /** "<type>.<logical id>" */
  resource: string;
  file_abs_path: string;
}

interface CheckovReport {
  check_type: string;
  results: { failed_checks: CheckovCheck[] };
  summary: { parsing_errors: number; checkov_version?: string };
}

export async function runCheckov(files: readonly string[]): Promise<{ byFile: Map<string, Finding[]>; ms: number; version?: string }> {
  const args = ['--framework', 'cloudformation', '--output', 'json', '--quiet', '--compact', '--skip-download'];
  for (const f of files) args.push('--file', f);
  // Exit code 1 means "a check failed"; anything else non-zero is the tool's own failure.
  const run = await runTool(venvTool('checkov'), args, { timeoutMs: 300_000, env: { LOG_LEVEL: 'WARNING' } });
  if (run.code !== 0 && run.code !== 1) throw new Error(`checkov failed (exit ${run.code}): ${run.stderr.slice(-2000)}`);
  let parsed: CheckovReport | CheckovReport[];
  try {
    parsed = JSON.parse(run.stdout) as CheckovReport | CheckovReport[];
  } catch {
    throw new Error(`checkov printed something other than JSON: ${run.stdout.slice(0, 500)} ${run.stderr.slice(-500)}`);
  }
  // With no failed check, --quiet prints a summary object without results.
  const reports = (Array.isArray(parsed) ? parsed : [parsed]).filter((r) => r && typeof r === 'object');
  const byFile = new Map<string, Finding[]>(files.map((f) => [path.resolve(f), []]));
  let version: string | undefined;
  for (const report of reports) {
    if (report.summary?.parsing_errors) throw new Error(`checkov could not parse ${report.summary.parsing_errors} template(s)`);
    version ??= report.summary?.checkov_version;
    for (const c of report.results?.failed_checks ?? []) {
      const list = byFile.get(path.resolve(c.file_abs_path));
      if (!list) throw new Error(`checkov reported on ${c.file_abs_path}, which it was not given`);
      const dot = c.resource.indexOf('.');
      list.push({ tool: 'checkov', rule: c.check_id, resource: dot >= 0 ? c.resource.slice(dot + 1) : c.resource, message: c.check_name });
    }
  }
  return { byFile: new Map([...byFile].map(([abs, list]) => [files.find((f) => path.resolve(f) === abs)!, list])), ms: run.ms, ...(version ? { version } : {}) };
}
