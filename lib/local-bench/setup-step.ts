import * as path from 'node:path';
import { runInOwnGroup } from '../process/process-group';

export interface SetupOptions {
  projectRoot: string;
  signal?: AbortSignal;
  onGroup?: (pgid: number) => () => void;
}

/**
 * Runs scripts/setup.sh (installs what the machine lacks, builds both functions) after the options were
 * checked. It runs as the leader of its own process group, its output on stderr: stopping the run
 * signals the whole group (bash, cargo, rustc, pip) and waits until every one of them has exited.
 */
export async function runSetup(options: SetupOptions): Promise<void> {
  const result = await runInOwnGroup('bash', [path.join(options.projectRoot, 'scripts', 'setup.sh')], {
    cwd: options.projectRoot,
    stdio: ['ignore', 2, 2],
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onGroup ? { onGroup: options.onGroup } : {}),
  });
  if (result.code !== 0) throw new Error(`scripts/setup.sh failed (exit ${result.code ?? result.signal}); its messages are above`);
}
