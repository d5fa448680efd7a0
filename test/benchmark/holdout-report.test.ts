import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { holdoutSentence, intervalFloorSentence } from '../../lib/benchmark/render-markdown';
import { loadHoldoutSummary } from '../../lib/prediction';
import type { HoldoutSummary } from '../../lib/prediction/types';

const SUMMARY: HoldoutSummary = {
  cells: 4,
  boundPct: 30,
  withinBound: 3,
  insideInterval: 3,
  medianAbsErrorPct: 12.5,
  maxAbsErrorPct: 42.6,
  runtimes: ['c++ 11 (prov.al2023)', 'go (prov.al2023)'],
  misses: [{ runtime: 'c++ 11 (prov.al2023)', packageType: 'Zip', architecture: 'x86_64', errorPct: -42.6, insideInterval: false }],
  memory: { cells: 4, withinBound: 2, insideInterval: 3, maxAbsErrorPct: 43.1 },
};

describe("the report's hold-out paragraph", () => {
  it('counts the cells within the bound and inside the interval, and names every miss', () => {
    const text = holdoutSentence(SUMMARY)!;
    expect(text).toContain('hello worlds of c++ 11 (prov.al2023), go (prov.al2023)');
    expect(text).toContain('within ±30 % in 3 of 4 cells, AWS inside the printed interval in 3 of 4, |error| median 12.5 %, max 42.6 %.');
    expect(text).toContain('Beyond ±30 % or outside the interval: c++ 11 (prov.al2023) zip x86_64 -42.6 % (outside its interval).');
    expect(text).toContain('Max Memory Used: within ±30 % in 2 of 4 cells, inside the interval in 3 of 4.');
  });

  it("names the run's own model when the run measured the hold-outs", () => {
    const text = holdoutSentence({ ...SUMMARY, of: 'in-run' })!;
    expect(text).toContain('(measured in this run, calibration/holdout-check.json)');
    expect(text).toContain("predicted by this run's model as a function of that runtime is (a new family: the family-out interval; a new version of a known family: the version-out one)");
    expect(holdoutSentence({ ...SUMMARY, of: 'committed' })).toContain('predicted by the committed model');
  });

  it('counts new families and new versions of known families apart when the check has both', () => {
    const both = { ...SUMMARY, cells: 8, byValidation: { 'leave-one-family-out': { cells: 4, withinBound: 3, insideInterval: 3 }, 'leave-one-version-out': { cells: 4, withinBound: 4, insideInterval: 3 } } };
    expect(holdoutSentence(both)).toContain(
      'Apart: new families (family-out interval): 3 of 4 within ±30 %, 3 of 4 inside; new versions of known families (version-out interval): 4 of 4 within ±30 %, 3 of 4 inside.',
    );
    // One kind only: the totals say it all.
    expect(holdoutSentence({ ...SUMMARY, byValidation: { 'leave-one-family-out': { cells: 4, withinBound: 3, insideInterval: 3 } } })).not.toContain('Apart:');
  });

  it('names the hold-outs that failed in the run and so are not in the counts', () => {
    expect(holdoutSentence({ ...SUMMARY, of: 'in-run', failed: ['holdout-java11 (failed in this run: init error)'] })).toContain(
      'Not checked, failed in this run: holdout-java11 (failed in this run: init error).',
    );
    expect(holdoutSentence(SUMMARY)).not.toContain('Not checked');
  });

  it('says when there is no result, and says nothing when there is no check', () => {
    expect(holdoutSentence({ unavailable: 'cannot read it' })).toBe('**Tested on runtimes outside the calibration set**: no result (cannot read it).');
    expect(holdoutSentence(undefined)).toBeNull();
    expect(holdoutSentence({ ...SUMMARY, cells: 0, misses: [] })).toBeNull();
  });

  it("reads the committed check's summary; none without the file; a named problem with a broken one", () => {
    const committed = loadHoldoutSummary();
    expect(committed).not.toBeNull();
    expect(committed && 'cells' in committed ? committed.cells : 0).toBeGreaterThan(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'holdout-summary-'));
    try {
      expect(loadHoldoutSummary(path.join(dir, 'none.json'))).toBeNull();
      fs.writeFileSync(path.join(dir, 'bad.json'), '{"rows": []}');
      expect(loadHoldoutSummary(path.join(dir, 'bad.json'))).toEqual({ unavailable: expect.stringMatching(/bad\.json is not what npm run calibrate writes: it has no summary of the check/) });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the report's interval-floor paragraph", () => {
  it("names the committed table, the run's cold starts and the cells it widened, or says none were", () => {
    const widened = intervalFloorSentence({ from: 'data/calibration/calibration-table.csv', widened: ['Zip x86_64', 'memory Zip arm64'] }, 10)!;
    expect(widened).toMatch(/^\*\*Interval floor\*\*: the family-out intervals of this run's model are no narrower than the committed calibration's \(`data\/calibration\/calibration-table.csv`\)/);
    expect(widened).toContain('come from 10 cold starts of each calibration function');
    expect(widened).toContain('Widened to the committed width here: Zip x86_64, memory Zip arm64.');
    expect(intervalFloorSentence({ from: 't.csv', widened: [] }, 10)).toContain("Here the run's own were as wide or wider in every cell.");
    expect(intervalFloorSentence(undefined)).toBeUndefined();
  });
});
