/**
 * errorSummary groups failures by cause: a runtime that keeps exiting fails every request with the
 * local service's own message (lib/local-lambda/report.ts), which carries the request's id. Grouped,
 * 130 such failures are one entry with count 130 and one example id, in results.json, report.md and
 * the console alike.
 */
import { randomUUID } from 'node:crypto';
import { aggregate, messageWithoutIds } from '../../lib/benchmark/aggregate';
import { renderMarkdown } from '../../lib/benchmark/render-markdown';
import type { JoinedInvocation, RawBenchmarkRun } from '../../lib/benchmark/types';
import { exitErrorMessage, timeoutMessage } from '../../lib/local-lambda/report';
import { CONSOLE_COLUMNS, renderConsoleSummary } from '../../lib/local-bench/console-summary';
import { syntheticRun } from './synthetic-run';

/** A failed invocation as the benchmark records it: Lambda's request id, the function error and its message. */
function exited(phase: 'cold' | 'warm', i: number, message: (requestId: string) => string): JoinedInvocation {
  const requestId = randomUUID();
  return {
    requestId, phase, startedAt: 1_700_000_000_000 + i, roundTripMs: 40, attempts: 1, retryDelayMs: 0, statusCode: 200,
    functionError: 'Unhandled', errorType: 'Runtime.ExitError', errorMessage: message(requestId),
    report: { requestId, durationMs: 30, billedDurationMs: 30, memorySizeMB: 128, maxMemoryUsedMB: 20, status: 'error', errorType: 'Runtime.ExitError' },
  };
}

/** The synthetic run with the apr target's 30 cold starts and 100 warm invocations all failing as a runtime that exits with status 1 does. */
function exitingRun(): { run: RawBenchmarkRun; invocations: JoinedInvocation[] } {
  const run = syntheticRun();
  const invocations = [...Array(130).keys()].map((i) => exited(i < 30 ? 'cold' : 'warm', i, (id) => exitErrorMessage(id, 1, null)));
  run.targets[0].invocations = invocations;
  return { run, invocations };
}

describe('errors grouped by cause', () => {
  const { run, invocations } = exitingRun();
  const results = aggregate({ run, backend: 'local', environment: { limitsApplied: true }, awsModel: null });
  const apr = results.targets.apr;

  test('130 failures with distinct request ids are one group: count 130, per phase, one example id', () => {
    expect(new Set(invocations.map((i) => i.errorMessage)).size).toBe(130);
    expect(apr.errors).toBe(130);
    expect(apr.errorSummary).toHaveLength(1);
    const [group] = apr.errorSummary;
    expect(group).toEqual({
      kind: 'function',
      errorType: 'Runtime.ExitError',
      errorMessage: exitErrorMessage('<request id>', 1, null),
      count: 130,
      phases: { cold: 30, warm: 100 },
      exampleRequestId: invocations[0].requestId,
    });
    expect(group.errorMessage).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  test('different causes stay apart; other ids (another request\'s, a trace id, an environment id) are taken out too', () => {
    const mixed = syntheticRun();
    mixed.targets[0].invocations = [
      ...[0, 1, 2].map((i) => exited('warm', i, (id) => exitErrorMessage(id, 1, null))),
      ...[3, 4].map((i) => exited('warm', i, (id) => exitErrorMessage(id, null, 'SIGKILL'))),
      ...[5, 6].map((i) => exited('warm', i, (id) => timeoutMessage(id, 3))),
    ];
    const groups = aggregate({ run: mixed, backend: 'local', environment: { limitsApplied: true }, awsModel: null }).targets.apr.errorSummary;
    expect(groups.map((g) => [g.errorMessage, g.count])).toEqual([
      [exitErrorMessage('<request id>', 1, null), 3],
      [exitErrorMessage('<request id>', null, 'SIGKILL'), 2],
      [timeoutMessage('<request id>', 3), 2],
    ]);
    const other = randomUUID();
    expect(messageWithoutIds(`retry of ${other} failed; trace Root=1-5759e988-bd862e3fe1be46a994272793; stream 2026/12/07/[$LATEST]0123456789abcdef0123456789abcdef`, 'req-1')).toBe(
      'retry of <id> failed; trace Root=<trace id>; stream 2026/12/07/[$LATEST]<id>',
    );
    // Numbers and short hex (exit codes, addresses) are the cause, not an id: they stay.
    expect(messageWithoutIds('exit status 139 at 0x7ffd5a2b', 'req-1')).toBe('exit status 139 at 0x7ffd5a2b');
  });

  test('results.json, report.md and the console carry the same one group', () => {
    const json = JSON.parse(JSON.stringify(results));
    expect(json.targets.apr.errorSummary).toEqual(apr.errorSummary);

    const md = renderMarkdown(results).split('\n');
    expect(md).toContain('| target | kind | error type | message (request ids taken out) | count | cold / warm | example request id |');
    const rows = md.filter((l) => l.startsWith('| apr | function |'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(`| 130 | 30 / 100 | ${invocations[0].requestId} |`);
    expect(rows[0]).toContain('RequestId: &lt;request id&gt; Error: Runtime exited with error: exit status 1');

    const lines = renderConsoleSummary(results).split('\n');
    const errorLines = lines.filter((l) => l.startsWith('apr: '));
    expect(errorLines).toHaveLength(1);
    const entry = lines.slice(lines.indexOf(errorLines[0])).join(' ').replace(/\s+/g, ' ');
    expect(entry).toContain(`apr: 130 × function error Runtime.ExitError (30 cold, 100 warm): ${apr.errorSummary[0].errorMessage} (e.g. request ${invocations[0].requestId})`);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(CONSOLE_COLUMNS);
  });
});
