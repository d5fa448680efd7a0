#!/usr/bin/env node
/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`, `npx cdk destroy`). Settings come from the context
 * in cdk.json or `-c key=value`; see lib/config/app-config.ts for the keys and their limits.
 */
import { ConfigError } from '../lib/config/app-config';
import { TooManyTargetsError } from '../lib/constructs/benchmark-state-machine';
import { aprBundler } from '../lib/stacks/apr-bundler';
import { createApp, REPO_ROOT } from '../lib/stacks/app';

try {
  // Environment-agnostic on purpose: synth needs no credentials and gives the same template everywhere.
  const { app } = createApp({ aprBundler: aprBundler(REPO_ROOT) });
  app.synth();
} catch (err) {
  // Settings that cannot be deployed: the message names the key and what is allowed; no stack trace.
  if (err instanceof ConfigError || err instanceof TooManyTargetsError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
