import type { Finding } from './findings';
import { runTool, venvTool } from './python-tools';

/**
 * cfn-lint (PyPI, AWS's CloudFormation linter) on synthesized templates: every error and warning it
 * reports, per template file. One process checks all the files given.
 */

interface CfnLintMatch {
  Filename: string;
  Level: string;
  Message: string;
  Location: { Path?: (string | number)[] };
  Rule: { Id: string };
}

/** The resource a match is about: the logical id under Resources, else the path to the element. */
function resourceOf(pathParts: (string | number)[] | undefined): string {
  const parts = pathParts ?? [];
  if (parts[0] === 'Resources' && typeof parts[1] === 'string') return parts[1];
  return parts.length ? parts.join('/') : '(template)';
}

export async function runCfnLint(files: readonly string[]): Promise<{ byFile: Map<string, Finding[]>; ms: number }> {
  // Exit codes are a bit field of the levels found (2 error, 4 warning, 8 informational); 1 is a failure of the tool itself.
  const run = await runTool(venvTool('cfn-lint'), ['--format', 'json', '--', ...files], { timeoutMs: 300_000 });
  if (run.code === 1 || run.code === null) throw new Error(`cfn-lint failed (exit ${run.code}): ${run.stderr.slice(-2000) || run.stdout.slice(-2000)}`);
  let matches: CfnLintMatch[];
  try {
    matches = JSON.parse(run.stdout || '[]') as CfnLintMatch[];
  } catch {
    throw new Error(`cfn-lint printed something other than JSON: ${run.stdout.slice(0, 500)}`);
  }
  const byFile = new Map<string, Finding[]>(files.map((f) => [f, []]));
  for (const m of matches) {
    const list = byFile.get(m.Filename);
    if (!list) throw new Error(`cfn-lint reported on ${m.Filename}, which it was not given`);
    list.push({ tool: 'cfn-lint', rule: m.Rule.Id, resource: resourceOf(m.Location?.Path), message: `${m.Level}: ${m.Message}` });
  }
  return { byFile, ms: run.ms };
}
