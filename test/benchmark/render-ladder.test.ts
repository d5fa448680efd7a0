/**
 * The ladder in report.md and its charts, from a run aggregated by the real aggregate() with more
 * targets and memory sizes added: steps in Init Duration order with what each adds over the one below,
 * skipped targets and memory sizes named with why, charts well-formed with every target and size on them.
 */
import { aggregate } from '../../lib/benchmark/aggregate';
import { costBlock } from '../../lib/benchmark/cost';
import { ladderSteps, memorySeries, renderLadderChart, renderLadderSection, renderMemoryChart } from '../../lib/benchmark/render-ladder';
import { renderMarkdown } from '../../lib/benchmark/render-markdown';
import { formatNumber } from '../../lib/benchmark/render-svg';
import { buildResultFiles } from '../../lib/benchmark/result-files';
import type { BenchmarkResults, TargetResults } from '../../lib/benchmark/types';
import { syntheticRun } from './synthetic-run';
import { parseSvg } from './xml-check';

function withTarget(results: BenchmarkResults, key: string, from: string, change: { initP50: number; memoryMB?: number; packageBytes?: number; ladderTarget?: string; warmP50?: number }): void {
  const t = JSON.parse(JSON.stringify(results.targets[from])) as TargetResults;
  t.cold.initMs = { ...t.cold.initMs!, p50: change.initP50, p90: change.initP50 * 1.2 };
  t.p50Ci95 = { coldInitMs: [change.initP50 * 0.9, change.initP50 * 1.1], warmDurationMs: t.p50Ci95!.warmDurationMs };
  if (change.warmP50 !== undefined) t.warm.durationMs = { ...t.warm.durationMs!, p50: change.warmP50 };
  if (change.memoryMB !== undefined) t.memorySizeMB = change.memoryMB;
  if (change.packageBytes !== undefined) t.packageBytes = change.packageBytes;
  if (change.ladderTarget !== undefined) t.ladderTarget = change.ladderTarget;
  results.targets[key] = t;
}

function recost(results: BenchmarkResults): void {
  results.cost = costBlock(
    Object.fromEntries(Object.entries(results.targets).map(([k, t]) => [k, {
      architecture: t.architecture, memorySizeMB: t.memorySizeMB, initP50Ms: t.cold.initMs?.p50 ?? null,
      coldDurationP50Ms: t.cold.durationMs?.p50 ?? null, warmDurationP50Ms: t.warm.durationMs?.p50 ?? null,
    }])),
    results.cost.coldStartShare,
  );
}

function ladderResults(): BenchmarkResults {
  const results = aggregate({ run: syntheticRun(), backend: 'local', environment: { limitsApplied: true }, awsModel: null });
  withTarget(results, 'python', 'apr', { initP50: 80, packageBytes: 537_299 });
  withTarget(results, 'node', 'apr', { initP50: 140, packageBytes: 10_726 });
  withTarget(results, 'apr-512mb', 'apr', { initP50: 20, memoryMB: 512, ladderTarget: 'apr', warmP50: 0.5 });
  results.environment.skippedTargets = [{ target: 'onnx', reason: 'onnx: baselines/onnx-wine/build/function.zip is missing', command: 'bash baselines/onnx-wine/build.sh' }];
  results.environment.memorySizes = [128, 512];
  results.environment.skippedMemorySizes = [{ target: 'pytorch', memorySizeMB: 128, reason: 'below its measured peak memory of 231 MB' }];
  recost(results);
  return results;
}

describe('the ladder in report.md', () => {
  const results = ladderResults();
  const lines = renderLadderSection(results);
  const md = lines.join('\n');

  test('steps are the targets at their own memory size, fastest cold start first', () => {
    expect(ladderSteps(results).map((s) => s.key)).toEqual(['apr', 'python', 'node', 'pytorch']);
  });

  test('each row says what it adds over the row above: ms, MB, package bytes and cost per 1M at the run\'s cold share', () => {
    const row = (key: string) => lines.find((l) => l.startsWith(`| ${key} |`))!;
    expect(row('apr')).toMatch(/\| 22 ms \(23\.6\) \[[\d.]+–[\d.]+\] \| \(base\) \|/);
    expect(row('python')).toContain('| 80 ms (96) [72–88] | +58 ms |');
    expect(row('python')).toContain(`| 537,299 | ${(537_299 - results.targets.apr.packageBytes) >= 0 ? '+' : '−'}${Math.abs(537_299 - results.targets.apr.packageBytes).toLocaleString('en-US')} |`);
    expect(row('node')).toContain('| +60 ms |');
    const cost = (k: string) => results.cost.targets[k].perMillion!;
    expect(row('node')).toContain(`| $${cost('node').toFixed(4)} | ${cost('node') >= cost('python') ? '+' : '−'}$${Math.abs(cost('node') - cost('python')).toFixed(4)} |`);
    expect(row('pytorch')).toContain('container-image, 512 MB');
    expect(md).toContain('Cost per 1M invocations with 1 % cold starts');
  });

  test('what was left out is named with why and how to build it', () => {
    expect(md).toContain('- onnx: onnx: baselines/onnx-wine/build/function.zip is missing; build it with `bash baselines/onnx-wine/build.sh`');
    expect(md).toContain('- pytorch at 128 MB: below its measured peak memory of 231 MB');
  });

  test('several memory sizes give the memory table and chart; one size gives neither', () => {
    expect(memorySeries(results).find((s) => s.target === 'apr')!.points.map((p) => p.key)).toEqual(['apr', 'apr-512mb']);
    expect(md).toContain('### Memory sizes');
    expect(lines.find((l) => l.startsWith('| apr | 512 MB | apr-512mb | 20 ms | 0.5 ms'))).toBeDefined();
    const single = aggregate({ run: syntheticRun(), backend: 'local', environment: { limitsApplied: true }, awsModel: null });
    expect(memorySeries(single)).toEqual([]);
    // Two targets, nothing skipped: the summary already compares them; no ladder section.
    expect(renderLadderSection(single)).toEqual([]);
  });

  test('report.md carries the section and links the charts; the result files include them', () => {
    const full = renderMarkdown(results);
    expect(full.indexOf('## The ladder: what each step adds')).toBeGreaterThan(full.indexOf('## Summary'));
    expect(full).toContain('](ladder.svg)');
    // The summary keeps the reference benchmark's shape: the two ends and their ratio.
    expect(full).toContain('| metric | apr (provided.al2023, 128 MB, x86_64) | pytorch (container-image, 512 MB, x86_64) | pytorch / apr |');
    expect(full).toContain('The two ends of the comparison; python, node, apr-512mb are in "The ladder" and "All statistics" below');
    expect(full).toMatch(/\n\| node \| cold: Init Duration \| ms \|/);
    expect(full).toContain('](memory.svg)');
    const names = buildResultFiles(results, []).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['ladder.svg', 'memory.svg']));
    expect(names[names.length - 1]).toBe('results.json');
  });

  test('ladder.svg: well-formed, a bar per step with its p50, p90 and interval on a log scale', () => {
    const svg = parseSvg(renderLadderChart(results));
    expect(svg.title).toBe('The cold-start ladder: Init Duration p50 per target');
    for (const key of ['apr', 'python', 'node', 'pytorch']) expect(svg.texts).toContain(`${key} (${results.targets[key].memorySizeMB} MB)`);
    const f = formatNumber;
    expect(svg.texts).toContain(`p50 ${f(80)} ms · p90 ${f(96)} · 95 % ${f(72)}–${f(88)} (n=${results.targets.python.cold.initMs!.n})`);
    expect(svg.texts).toContain('Init Duration, ms (log scale)');
  });

  test('memory.svg: well-formed, a line per target over the sizes measured', () => {
    const svg = parseSvg(renderMemoryChart(results));
    expect(svg.texts).toEqual(expect.arrayContaining(['128 MB', '512 MB', 'apr', 'pytorch']));
    expect(svg.counts.polyline).toBe(2 * memorySeries(results).length);
  });
});
