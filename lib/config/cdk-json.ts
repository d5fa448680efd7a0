import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The context section of cdk.json, for code that needs the deployment's settings outside the CDK
 * CLI (the local run takes the same defaults as the deployed state machine).
 */
export function loadCdkJsonContext(repoRoot: string): Record<string, unknown> {
  const file = path.join(repoRoot, 'cdk.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const context = (parsed as { context?: unknown })?.context;
  if (context === undefined) return {};
  if (context === null || typeof context !== 'object' || Array.isArray(context)) throw new Error(`${file}: "context" must be an object`);
  return { ...(context as Record<string, unknown>) };
}
