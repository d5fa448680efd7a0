import * as path from 'node:path';
import { runInOwnGroup } from '../process/process-group';

/** What scripts/setup.sh prepares: the machine for one command (its header lists what each installs). */
export type SetupPurpose = 'bench' | 'test' | 'audit' | 'calibrate';

export interface SetupOptions {
  projectRoot: string;
  purpose: SetupPurpose;
  signal?: AbortSignal;
  onGroup?: (pgid: number) => () => void;
}

/**
 * Runs scripts/setup.sh for one purpose (installs what the machine lacks for that command, builds its
 * functions) after the options were checked. It runs as the leader of its own process group, its output
 * on stderr: stopping the run signals the whole group (bash, cargo, rustc, pip) and waits until every
 * one of them has exited.
 */
export async function runSetup(options: SetupOptions): Promise<void> {
  const result = await runInOwnGroup('bash', [path.join(options.projectRoot, 'scripts', 'setup.sh'), options.purpose], {
    cwd: options.projectRoot,
    stdio: ['ignore', 2, 2],
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onGroup ? { onGroup: options.onGroup } : {}),
  });
  if (result.code !== 0) throw new Error(`scripts/setup.sh ${options.purpose} failed (exit ${result.code ?? result.signal}); its messages are above`);
}
