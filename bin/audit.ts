#!/usr/bin/env node
/**
 * npm run audit [-- --template cdk.out/AprLambdaBench.template.json ...] [--json] [--accepted FILE] [--no-validators]
 *
 * Prints, from the synthesized template: every IAM role with what it may do on which resources, the
 * resources that hold data with their encryption, retention and deletion behaviour, the cdk-nag
 * findings acknowledged and why, and what lives outside the stack. Without --template it
 * synthesizes the stack in this process first (asset bundling skipped: permissions and data
 * resources do not depend on the functions' code).
 *
 * Then it runs the independent validators on the template (cfn-lint, checkov, asl-validator on both
 * state machine definitions, the IAM simulation of every call the stack makes) and compares their
 * findings with the accepted ones (audit/accepted-findings.json, each with its reason).
 *
 * Exit code: 0 when every finding is accepted; 1 when a finding is not (or, with several templates,
 * when any template has one); 2 when the audit could not run (no template, or scripts/setup.sh audit,
 * which installs the validators' tools the first time, failed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { auditTemplate, renderAudit, type Template } from '../lib/audit';
import { judge, loadAcceptedFindings } from '../lib/audit/findings';
import { renderVerdict } from '../lib/audit/render-verdict';
import { runValidators } from '../lib/audit/validators';
import { synthesizeBenchmarkTemplate } from '../lib/state-machine-local/synth';

export const DEFAULT_ACCEPTED_FILE = path.resolve(__dirname, '..', 'audit', 'accepted-findings.json');
const ROOT = path.resolve(__dirname, '..');

const program = new Command()
  .name('audit')
  .description('What the stack may do, where it keeps data, and what it leaves behind, read from its template; then the independent validators')
  .option('--template <file>', 'a synthesized template (default: synthesize the stack now); may be given more than once', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--accepted <file>', 'the accepted findings', DEFAULT_ACCEPTED_FILE)
  .option('--no-validators', 'print the audit of the template only')
  .option('--json', 'print the audit as JSON')
  .parse();

const options = program.opts<{ template: string[]; accepted: string; validators: boolean; json?: boolean }>();

async function main(): Promise<number> {
  // The validators' Python tools (scripts/setup.sh audit: the first time about 1.5 minutes, then a check),
  // its output on stderr so that stdout holds the audit alone (--json).
  if (options.validators) {
    const setup = spawnSync('bash', [path.join(ROOT, 'scripts', 'setup.sh'), 'audit'], { stdio: ['ignore', 2, 2] });
    if (setup.status !== 0) throw new Error('scripts/setup.sh audit failed; its messages are above');
  }
  const templates: { label: string; template: Template }[] = [];
  for (const file of options.template) {
    if (!existsSync(file)) throw new Error(`${file} does not exist; run \`npm run synth\` first or leave out --template`);
    templates.push({ label: file, template: JSON.parse(readFileSync(file, 'utf8')) as Template });
  }
  if (templates.length === 0) {
    templates.push({ label: 'the stack as synthesized now from this checkout (cdk.json context)', template: synthesizeBenchmarkTemplate() as unknown as Template });
  }
  const reports = templates.map((t) => ({ label: t.label, report: auditTemplate(t.template) }));
  if (!options.validators) {
    if (options.json) process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0].report : reports, null, 2)}\n`);
    else for (const r of reports) process.stdout.write(renderAudit(r.report, `Audit of ${r.label}`));
    return 0;
  }
  const accepted = loadAcceptedFindings(options.accepted);
  const run = await runValidators(templates);
  const verdicts = run.results.map((r) => ({ result: r, verdict: judge(r.findings, accepted) }));
  const exitCode = verdicts.some((v) => v.verdict.exitCode !== 0) ? 1 : 0;
  if (options.json) {
    const out = {
      exitCode,
      timings: run.timings,
      templates: verdicts.map(({ result, verdict }, i) => ({
        label: result.label,
        exitCode: verdict.exitCode,
        unaccepted: verdict.unaccepted,
        accepted: verdict.accepted,
        stale: verdict.stale,
        stateMachines: result.stateMachines,
        iamCalls: result.iamCalls,
        audit: reports[i].report,
      })),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    for (const [i, { result, verdict }] of verdicts.entries()) {
      process.stdout.write(renderAudit(reports[i].report, `Audit of ${result.label}`));
      process.stdout.write(`\n${renderVerdict(result, verdict, run, path.relative(process.cwd(), options.accepted) || options.accepted)}`);
    }
  }
  return exitCode;
}

// process.exitCode rather than process.exit(): output to a pipe is written asynchronously, and
// exiting at once would cut it off.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`audit: ${err.message}\n`);
    process.exitCode = 2;
  },
);
