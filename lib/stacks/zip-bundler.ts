import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ZipBundler } from '../constructs/zip-target-function';

/** Runs a build command from the repository root; how a failure reads in the synth's error. */
export type CommandRunner = (command: string, cwd: string) => { status: number | null; output: string };

const runInShell: CommandRunner = (command, cwd) => {
  const result = spawnSync('bash', ['-c', command], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
};

/**
 * A ladder target's local bundling: its own build command (idempotent: quick when its inputs have not
 * changed, so a stale zip is never deployed), then its zip copied into the asset folder. A build that
 * fails, or leaves no zip, stops the synth with the command and the end of its output.
 */
export function zipBundler(repoRoot: string, command: string, artefact: string, run: CommandRunner = runInShell): ZipBundler {
  return (outputDir: string) => {
    const result = run(command, repoRoot);
    if (result.status !== 0) {
      const tail = result.output.trim().split('\n').slice(-15).join('\n');
      throw new Error(`building ${path.relative(repoRoot, artefact)} failed: \`${command}\` exited with ${result.status}\n${tail}`);
    }
    if (!fs.existsSync(artefact)) throw new Error(`\`${command}\` succeeded but left no ${artefact}`);
    fs.copyFileSync(artefact, path.join(outputDir, path.basename(artefact)));
  };
}
