/** Synthesizing the real app for tests: cdk.json's context plus overrides, into a temporary cdk.out. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { loadCdkJsonContext } from '../../lib/config/cdk-json';
import { aprBundler } from '../../lib/stacks/apr-bundler';
import { createApp, REPO_ROOT, type BenchmarkApp } from '../../lib/stacks/app';

export interface Synthesized extends BenchmarkApp {
  /** The template as CloudFormation receives it. */
  json: any;
  outdir: string;
  manifest: any;
}

const outdirs: string[] = [];

/**
 * bundle: true runs the real builds (the Rust binary through lib/build, esbuild for the handlers);
 * false skips asset bundling (CDK's aws:cdk:bundling-stacks), enough wherever the code does not matter.
 */
export function synth(context: Record<string, unknown> = {}, options: { bundle?: boolean } = {}): Synthesized {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'apr-bench-cdk-test-'));
  outdirs.push(outdir);
  const bundling = options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] };
  const built = createApp({
    context: { ...loadCdkJsonContext(REPO_ROOT), ...bundling, ...context },
    outdir,
    aprBundler: options.bundle
      ? aprBundler(REPO_ROOT, 'capture')
      : () => {
          throw new Error('bundling should have been skipped');
        },
  });
  const assembly = built.app.synth();
  const json = JSON.parse(readFileSync(path.join(assembly.directory, built.stack.templateFile), 'utf8'));
  const manifest = JSON.parse(readFileSync(path.join(assembly.directory, `${built.stack.artifactId}.assets.json`), 'utf8'));
  return { ...built, json, outdir, manifest };
}

export function cleanUpSynths(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Logical ids of the resources of a type. */
export function idsOfType(json: any, type: string): string[] {
  return Object.entries(json.Resources as Record<string, { Type: string }>)
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id);
}

/** The logical id whose construct path is exactly `path` (stack name excluded, /Resource implied). */
export function idAtPath(json: any, constructPath: string): string {
  const found = Object.entries(json.Resources as Record<string, any>).filter(([, r]) => {
    const p: string | undefined = r.Metadata?.['aws:cdk:path'];
    return p !== undefined && (p.endsWith(`/${constructPath}/Resource`) || p.endsWith(`/${constructPath}`));
  });
  if (found.length !== 1) throw new Error(`expected one resource at ${constructPath}, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  return found[0][0];
}

export type { App };
