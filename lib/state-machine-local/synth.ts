import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCdkJsonContext } from '../config/cdk-json';
import { createApp, REPO_ROOT } from '../stacks/app';
import type { CfnTemplate } from './definition';

/**
 * Synthesizes the stack in this process and returns its template, for a local run that has no
 * cdk.out at hand. Asset bundling is skipped (CDK's `aws:cdk:bundling-stacks` context): the state
 * machine's definition does not depend on any function's code, so neither the Rust build nor
 * esbuild needs to run. cdk-nag still checks the stack, as on every synth.
 */
export function synthesizeBenchmarkTemplate(options: { repoRoot?: string; context?: Record<string, unknown> } = {}): CfnTemplate {
  const repoRoot = options.repoRoot ?? REPO_ROOT;
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'apr-bench-synth-'));
  try {
    const { app, stack } = createApp({
      context: { ...loadCdkJsonContext(repoRoot), ...options.context, 'aws:cdk:bundling-stacks': [] },
      outdir,
      repoRoot,
      // Nothing is deployed: the deployment's wait and cost ceiling do not apply to a local run.
      checkRunPlans: false,
      aprBundler: () => {
        throw new Error('bundling was to be skipped for this synth');
      },
    });
    const assembly = app.synth();
    return JSON.parse(readFileSync(path.join(assembly.directory, stack.templateFile), 'utf8')) as CfnTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
