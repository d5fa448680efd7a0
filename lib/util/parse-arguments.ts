/**
 * A command's arguments parsed by commander without ending the process: help and errors go through the
 * command's own output functions (which tests read), and what commander would exit with becomes a return
 * value, so `main` returns every exit code itself (bin/calibrate.ts, bin/compare.ts, bin/bench-aws.ts).
 */
import type { Command } from 'commander';

export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

/**
 * Parses argv (user arguments, no node or script path). Returns undefined when the command should go on,
 * 0 after --help or --version, and `usageErrorCode` after a usage error (commander has written it to err).
 */
export function parseArguments(program: Command, argv: readonly string[], io: CommandOutput, usageErrorCode: number): number | undefined {
  program.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  try {
    program.parse([...argv], { from: 'user' });
    return undefined;
  } catch (err) {
    return (err as { exitCode?: number }).exitCode === 0 ? 0 : usageErrorCode;
  }
}
