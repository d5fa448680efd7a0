#!/usr/bin/env node
/**
 * npm run audit [-- --template cdk.out/AprLambdaBench.template.json] [--json]
 *
 * Prints, from the synthesized template: every IAM role with what it may do on which resources, the
 * resources that hold data with their encryption, retention and deletion behaviour, the cdk-nag
 * findings acknowledged and why, and what lives outside the stack. Without --template it
 * synthesizes the stack in this process first (asset bundling skipped: permissions and data
 * resources do not depend on the functions' code).
 */
import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { auditTemplate, renderAudit, type Template } from '../lib/audit';
import { synthesizeBenchmarkTemplate } from '../lib/state-machine-local/synth';

const program = new Command()
  .name('audit')
  .description('What the stack may do, where it keeps data, and what it leaves behind, read from its template')
  .option('--template <file>', 'a synthesized template (default: synthesize the stack now)')
  .option('--json', 'print the audit as JSON')
  .parse();

const options = program.opts<{ template?: string; json?: boolean }>();
let template: Template;
let source: string;
try {
  if (options.template) {
    if (!existsSync(options.template)) throw new Error(`${options.template} does not exist; run \`npm run synth\` first or leave out --template`);
    template = JSON.parse(readFileSync(options.template, 'utf8')) as Template;
    source = options.template;
  } else {
    template = synthesizeBenchmarkTemplate() as unknown as Template;
    source = 'the stack as synthesized now from this checkout (cdk.json context)';
  }
  const report = auditTemplate(template);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(renderAudit(report, `Audit of ${source}`));
  }
} catch (err) {
  process.stderr.write(`audit: ${(err as Error).message}\n`);
  process.exit(1);
}
