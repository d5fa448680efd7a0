/**
 * Every chart of a run keeps its text inside the picture and clear of the rest, whatever the targets
 * are called: the run has every registry target (the longest name is apr-runtime-crate), a 64-character
 * target name and a second memory size of each. Each text's box comes from the same measurement the
 * charts lay themselves out with (svg-text.ts), read back from the SVG's own x, y, size, weight and
 * anchor. And each target has one colour in every chart.
 */
import { aggregate, invocationRows } from '../../lib/benchmark/aggregate';
import { buildResultFiles } from '../../lib/benchmark/result-files';
import { boxesOverlap, textBox, textWidth, wrapToWidth, type TextAnchor, type TextBox } from '../../lib/benchmark/svg-text';
import type { BenchmarkResults, RawBenchmarkRun } from '../../lib/benchmark/types';
import { TARGET_KEYS } from '../../lib/targets/registry';
import { fixtureModel } from './model-fixture';
import { syntheticRun } from './synthetic-run';
import { LONG_TARGET_KEY, wideRun } from './wide-run';
import { parseSvg, type ParsedSvg } from './xml-check';

interface Charts {
  results: BenchmarkResults;
  svgs: Map<string, ParsedSvg>;
}

function charts(run: RawBenchmarkRun, backend: 'local' | 'aws'): Charts {
  const results = aggregate({ run, backend, environment: { limitsApplied: true }, ...(backend === 'local' ? { awsModel: fixtureModel() } : {}) });
  const files = buildResultFiles(results, invocationRows(run)).filter((f) => f.name.endsWith('.svg'));
  return { results, svgs: new Map(files.map((f) => [f.name, parseSvg(f.body as string)])) };
}

function boxesOf(svg: ParsedSvg): { text: string; box: TextBox }[] {
  return svg.textElements.map(({ attrib, text }) => ({
    text,
    box: textBox(Number(attrib.x), Number(attrib.y), text, Number(attrib['font-size']), (attrib['text-anchor'] ?? 'start') as TextAnchor, attrib['font-weight'] === 'bold'),
  }));
}

/** Labels outside the viewBox, and pairs of labels that overlap, as readable strings (empty: none). */
function layoutProblems(svg: ParsedSvg): string[] {
  const [, , width, height] = svg.attrib.viewBox.split(' ').map(Number);
  const boxes = boxesOf(svg);
  const problems: string[] = [];
  for (const { text, box } of boxes) {
    if (box.x0 < 0 || box.y0 < 0 || box.x1 > width || box.y1 > height) problems.push(`"${text}" outside ${width}×${height}: ${JSON.stringify(box)}`);
  }
  boxes.forEach((a, i) => {
    for (const b of boxes.slice(i + 1)) if (boxesOverlap(a.box, b.box)) problems.push(`"${a.text}" overlaps "${b.text}"`);
  });
  return problems;
}

describe.each([
  ['a local run of every registry target, a 64-character name and two memory sizes', () => charts(wideRun(), 'local')],
  ['the same on AWS (no predictions)', () => charts(wideRun(), 'aws')],
  ['a run of the two ends', () => charts(syntheticRun(), 'local')],
])('%s', (_name, make) => {
  const { results, svgs } = make();

  test('every label lies inside the viewBox and no two overlap, in every chart', () => {
    expect(svgs.size).toBeGreaterThanOrEqual(3);
    for (const [name, svg] of svgs) expect({ name, problems: layoutProblems(svg) }).toEqual({ name, problems: [] });
  });

  test('each target has one colour in every chart, and no two targets share one', () => {
    const colours = new Map<string, Set<string>>();
    for (const svg of svgs.values()) {
      for (const mark of svg.targetMarks) {
        const target = results.targets[mark.target]?.ladderTarget ?? mark.target;
        // A hatched or unfilled mark shows its target's colour in its outline.
        const colour = mark.fill && mark.fill !== 'none' && !mark.fill.startsWith('url(') ? mark.fill : (mark.stroke as string);
        colours.set(target, new Set([...(colours.get(target) ?? []), colour]));
      }
    }
    const targets = new Set(Object.entries(results.targets).map(([k, t]) => t.ladderTarget ?? k));
    expect([...colours.keys()].sort()).toEqual([...targets].sort());
    for (const [target, set] of colours) expect({ target, colours: set.size }).toEqual({ target, colours: 1 });
    const all = [...colours.values()].map((s) => [...s][0]);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('the labels the issue names', () => {
  const { results, svgs } = charts(wideRun(), 'local');

  test('ladder.svg: "apr-runtime-crate (128 MB)" whole and inside; the 64-character name wrapped at its hyphens, every line inside', () => {
    const ladder = svgs.get('ladder.svg')!;
    const width = Number(ladder.attrib.width);
    const crate = boxesOf(ladder).find((b) => b.text === 'apr-runtime-crate (128 MB)')!;
    expect(crate.box.x0).toBeGreaterThanOrEqual(0);
    expect(crate.box.x1).toBeLessThanOrEqual(width);
    const label = `${LONG_TARGET_KEY} (${results.targets[LONG_TARGET_KEY].memorySizeMB} MB)`;
    const lines = wrapToWidth(label, 200, 12);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join('').replace(/ /g, '')).toBe(label.replace(/ /g, ''));
    const texts = ladder.textElements.map((e) => e.text);
    const at = texts.indexOf(lines[0]);
    expect(texts.slice(at, at + lines.length)).toEqual(lines);
  });

  test('every registry target and the long name are on cold-start.svg, ladder.svg and memory.svg', () => {
    for (const name of ['cold-start.svg', 'ladder.svg', 'memory.svg']) {
      const joined = svgs.get(name)!.textElements.map((e) => e.text).join('');
      for (const key of [...TARGET_KEYS, LONG_TARGET_KEY]) expect(joined).toContain(key);
    }
  });
});

describe('the text measurement', () => {
  test('wider text measures wider; bold wider than regular; an unknown character a full em', () => {
    expect(textWidth('apr-runtime-crate (128 MB)', 12)).toBeGreaterThan(textWidth('apr (128 MB)', 12));
    expect(textWidth('Init Duration', 13, true)).toBeGreaterThan(textWidth('Init Duration', 13));
    expect(textWidth('漢', 10)).toBe(10);
    // DejaVu Sans's digits (0.636 em) are wider than Helvetica's (0.556): the wider one counts.
    expect(textWidth('0', 100)).toBeCloseTo(63.6, 6);
  });

  test('wrapping keeps every line within the width, breaks after hyphens, and cuts a piece too long for any line', () => {
    const lines = wrapToWidth(LONG_TARGET_KEY, 120, 12);
    expect(lines.every((l) => textWidth(l, 12) <= 120)).toBe(true);
    expect(lines.slice(0, -1).every((l) => l.endsWith('-'))).toBe(true);
    expect(lines.join('')).toBe(LONG_TARGET_KEY);
    const solid = 'x'.repeat(64);
    const cut = wrapToWidth(solid, 100, 12);
    expect(cut.length).toBeGreaterThan(1);
    expect(cut.join('')).toBe(solid);
  });
});
