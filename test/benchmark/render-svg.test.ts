import { escapeXml, formatNumber, LinearScale, LogScale, renderBarChart, renderDistributionChart } from '../../lib/benchmark/render-svg';
import { summarize } from '../../lib/benchmark/statistics';
import { parseSvg } from './xml-check';

const SVG = '{http://www.w3.org/2000/svg}svg';

describe('SVG charts', () => {
  test('escapeXml escapes the five XML specials', () => {
    expect(escapeXml(`a<b & "c" > 'd'`)).toBe('a&lt;b &amp; &quot;c&quot; &gt; &apos;d&apos;');
  });

  test('the parser used by these tests does reject broken documents', () => {
    expect(() => parseSvg('<svg xmlns="http://www.w3.org/2000/svg"><text>a < b</text></svg>')).toThrow(/not well-formed/);
    expect(() => parseSvg('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>')).toThrow(/not well-formed/);
  });

  test('log scale covers whole decades around the data', () => {
    const scale = new LogScale([22.58, 3935.59], 0, 300);
    expect(scale.lo).toBe(10);
    expect(scale.hi).toBe(10000);
    expect(scale.x(10)).toBe(0);
    expect(scale.x(10000)).toBe(300);
    expect(scale.x(100)).toBeCloseTo(100, 9);
    expect(scale.x(0)).toBe(0); // clamped, never NaN
    expect(scale.ticks().filter((t) => t.major).map((t) => t.value)).toEqual([10, 100, 1000, 10000]);
    const single = new LogScale([5, 5], 0, 100);
    expect([single.lo, single.hi]).toEqual([1, 10]);
  });

  test('linear scale widens to round steps', () => {
    const scale = new LinearScale([20, 21.3, 24.9], 0, 100);
    expect(scale.step).toBe(1);
    expect([scale.lo, scale.hi]).toEqual([20, 25]);
    expect(scale.ticks()).toEqual([20, 21, 22, 23, 24, 25]);
    expect(scale.x(22.5)).toBeCloseTo(50, 9);
    const flat = new LinearScale([4, 4], 0, 100);
    expect(flat.lo).toBeLessThan(4);
    expect(flat.hi).toBeGreaterThan(4);
    expect(new LinearScale([3900, 4210], 0, 100).ticks()).toEqual([3900, 4000, 4100, 4200, 4300]);
  });

  test('cold-start bar chart: well-formed, sized, labelled, text escaped', () => {
    const apr = summarize([22.1, 22.58, 23.0, 25.4, 21.9])!;
    const torch = summarize([3900, 3935.59, 4010, 3890, 4200])!;
    const svg = renderBarChart({
      title: 'Cold start <Init Duration> & "round trip"',
      subtitle: 'local',
      unit: 'ms',
      groups: [
        { name: 'Init Duration', bars: [{ label: 'apr', stats: apr }, { label: 'py<torch>', stats: torch }] },
        { name: 'Empty side', bars: [{ label: 'broken', stats: null }] },
      ],
    });
    const doc = parseSvg(svg);
    expect(doc.tag).toBe(SVG);
    expect(Number(doc.attrib.width)).toBeGreaterThan(0);
    expect(Number(doc.attrib.height)).toBeGreaterThan(0);
    expect(doc.attrib.viewBox).toBe(`0 0 ${doc.attrib.width} ${doc.attrib.height}`);
    expect(doc.title).toBe('Cold start <Init Duration> & "round trip"');
    expect(doc.texts).toContain('py<torch>');
    expect(doc.texts).toContain('apr');
    expect(doc.texts).toContain(`p50 ${formatNumber(apr.p50)} · p90 ${formatNumber(apr.p90)} · p99 ${formatNumber(apr.p99)} (n=5)`);
    expect(doc.texts).toContain(`p50 ${formatNumber(torch.p50)} · p90 ${formatNumber(torch.p90)} · p99 ${formatNumber(torch.p99)} (n=5)`);
    expect(formatNumber(torch.p50)).toBe('3,936'); // whole ms above 100: enough on a chart (the table has the rest)
    // Decade ticks from 10 to 10,000, labelled without decimals.
    expect(doc.texts).toEqual(expect.arrayContaining(['10', '100', '1,000', '10,000']));
    expect(doc.texts).toContain('no successful samples');
    expect(doc.texts).toContain('ms (log scale)');
    // Two p50 bars plus the background.
    expect(doc.counts.rect).toBe(3);
  });

  test('distribution chart: one dot per sample, deterministic', () => {
    const spec = {
      title: 'Init Duration, every sample',
      unit: 'ms',
      series: [
        { label: 'apr', values: [20, 21, 22, 23, 24, 30] },
        { label: 'pytorch', values: [3800, 3900, 4000] },
        { label: 'empty', values: [] },
      ],
    };
    const svg = renderDistributionChart(spec);
    expect(renderDistributionChart(spec)).toBe(svg);
    const doc = parseSvg(svg);
    expect(doc.tag).toBe(SVG);
    expect(doc.counts.circle).toBe(9);
    expect(doc.texts).toEqual(expect.arrayContaining(['apr', 'n=6', 'pytorch', 'n=3', 'empty', 'n=0', 'no successful samples', 'median 22.5 ms']));
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });

  test('no data at all still gives a valid document', () => {
    const doc = parseSvg(renderDistributionChart({ title: 't', unit: 'ms', series: [] }));
    expect(doc.tag).toBe(SVG);
    expect(parseSvg(renderBarChart({ title: 't', unit: 'ms', groups: [] })).tag).toBe(SVG);
  });
});
