#!/usr/bin/env node
/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`, `npx cdk destroy`). Settings come from the context
 * in cdk.json or `-c key=value`; see lib/config/app-config.ts for the keys and their limits. Before
 * the template is written, the run plan (lib/plan) goes to stdout: the run the deployment starts and
 * waits for, and a full run, each with its duration and AWS cost. The CDK CLI shows an app's stdout
 * as information and its stderr as errors (toolkit-lib, CDK_ASSEMBLY_I1001 / E1002), so the plan
 * goes to stdout and refusals to stderr.
 */
import { ConfigError } from '../lib/config/app-config';
import { TooManyTargetsError } from '../lib/constructs/benchmark-state-machine';
import { RunCostCeilingError } from '../lib/plan/checks';
import { renderDeployPlansText } from '../lib/plan/render';
import { aprBundler } from '../lib/stacks/apr-bundler';
import { createApp, REPO_ROOT, type CreateAppOptions } from '../lib/stacks/app';

/** Synthesizes the app and prints its plan; returns the exit code. Settings that cannot be deployed print the message, no stack trace. */
export function synthApp(options: CreateAppOptions, io: { out: (text: string) => void; err: (text: string) => void }): number {
  try {
    // Printed as soon as the plans are checked, before the functions are built (the builds take a while).
    const { app } = createApp({ ...options, onRunPlans: (plans) => io.out(`${renderDeployPlansText(plans).join('\n')}\n`) });
    app.synth();
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof TooManyTargetsError || error instanceof RunCostCeilingError) {
      io.err(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  // Environment-agnostic on purpose: synth needs no credentials and gives the same template everywhere.
  const code = synthApp({ aprBundler: aprBundler(REPO_ROOT) }, { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) });
  if (code !== 0) process.exit(code);
}
