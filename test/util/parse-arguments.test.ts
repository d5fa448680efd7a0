/** parseArguments: commander's help, errors and exit codes through a command's own output, never process.exit. */
import { Command } from 'commander';
import { parseArguments } from '../../lib/util/parse-arguments';

function command(): { program: Command; out: string[]; err: string[]; io: { out(t: string): void; err(t: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('tool').option('--count <n>', 'how many').option('--quiet', 'say less');
  return { program, out, err, io: { out: (t) => out.push(t), err: (t) => err.push(t) } };
}

test('arguments that parse: undefined (the command goes on), the options read', () => {
  const c = command();
  expect(parseArguments(c.program, ['--count', '3', '--quiet'], c.io, 2)).toBeUndefined();
  expect(c.program.opts()).toEqual({ count: '3', quiet: true });
  expect([...c.out, ...c.err]).toEqual([]);
});

test('--help: 0, the help written to the command output', () => {
  const c = command();
  expect(parseArguments(c.program, ['--help'], c.io, 2)).toBe(0);
  expect(c.out.join('')).toContain('Usage: tool [options]');
  expect(c.err).toEqual([]);
});

test("a usage error: the command's own code, commander's message written to its error output", () => {
  const c = command();
  expect(parseArguments(c.program, ['--no-such-option'], c.io, 2)).toBe(2);
  expect(c.err.join('')).toContain("error: unknown option '--no-such-option'");
  const d = command();
  expect(parseArguments(d.program, ['--count'], d.io, 1)).toBe(1);
  expect(d.err.join('')).toContain("error: option '--count <n>' argument missing");
});
