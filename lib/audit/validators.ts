import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateStateMachines } from './asl';
import { runCfnLint } from './cfn-lint';
import { runCheckov } from './checkov';
import type { Finding } from './findings';
import { iamSimulationFindings } from './iam';

/**
 * The independent validators on synthesized templates: cfn-lint and checkov (PyPI, one process each
 * for all the templates given, side by side), asl-validator on every state machine definition, and
 * the IAM simulation. Each template gets its own findings.
 */

export interface TemplateToAudit {
  /** How reports name it. */
  label: string;
  template: { Resources: Record<string, any> };
}

export interface ValidatorResults {
  label: string;
  findings: Finding[];
  /** The state machines asl-validator checked, and how many calls the IAM simulation evaluated. */
  stateMachines: string[];
  iamCalls: number;
}

export interface ValidatorRun {
  results: ValidatorResults[];
  /** Wall time of each validator over all the templates, ms. */
  timings: { [tool: string]: number };
  checkovVersion?: string;
}

export async function runValidators(templates: readonly TemplateToAudit[]): Promise<ValidatorRun> {
  if (templates.length === 0) throw new Error('runValidators: no template given');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'apr-bench-audit-'));
  try {
    const files = templates.map((t, i) => {
      const file = path.join(dir, `template-${i}.json`);
      writeFileSync(file, JSON.stringify(t.template, null, 1));
      return file;
    });
    const [cfnLint, checkov] = await Promise.all([runCfnLint(files), runCheckov(files)]);
    const timings: ValidatorRun['timings'] = { 'cfn-lint': cfnLint.ms, checkov: checkov.ms, 'asl-validator': 0, 'iam-simulation': 0 };
    const results: ValidatorResults[] = [];
    for (const [i, t] of templates.entries()) {
      let started = Date.now();
      const asl = validateStateMachines(t.template);
      timings['asl-validator'] += Date.now() - started;
      started = Date.now();
      const iam = await iamSimulationFindings(t.template);
      timings['iam-simulation'] += Date.now() - started;
      results.push({
        label: t.label,
        findings: [...cfnLint.byFile.get(files[i])!, ...checkov.byFile.get(files[i])!, ...asl.findings, ...iam.findings],
        stateMachines: asl.checked,
        iamCalls: iam.calls,
      });
    }
    return { results, timings, ...(checkov.version ? { checkovVersion: checkov.version } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
