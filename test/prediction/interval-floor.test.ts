/**
 * The committed model's family-out half-widths as a floor under a run's own (lib/prediction/interval-floor.ts):
 * only family-out intervals widen, only where the run's own are narrower, Init and Max Memory Used alike, and
 * the point predictions stay the run's.
 */
import { loadFittedModel, predictAwsInit, predictAwsMemory, type FittedModel } from '../../lib/prediction';
import { cellsWidenedByFloor, flooredFamilyOutQuantile, intervalFloorOf } from '../../lib/prediction/interval-floor';

const committed = loadFittedModel();

/** The committed model with every family-out half-width scaled: a stand-in for a run's own fit. */
function scaled(factor: number): FittedModel {
  return {
    ...committed,
    cells: committed.cells.map((c) => ({ ...c, familyOutLogQuantile: c.familyOutLogQuantile === null ? null : c.familyOutLogQuantile * factor })),
    memoryCells: committed.memoryCells.map((c) => ({ ...c, familyOutLogQuantile: c.familyOutLogQuantile === null ? null : c.familyOutLogQuantile * factor })),
  };
}

const apr = { localInitP50Ms: 1, localInitP90Ms: 1.2, localInitFileMB: 1.5, localPackageFileMB: 1.5, packageBytes: 761_000, localMaxMemoryMB: 2, packageType: 'Zip' as const };
const halfWidth = (i: { low: number; high: number }) => Math.log(i.high / i.low) / 2;

test("the floor is the committed model's family-out half-width of each cell, Init and memory", () => {
  const floor = intervalFloorOf(committed);
  expect(floor.from).toEqual(committed.table);
  expect(floor.cells).toHaveLength(committed.cells.length);
  for (const c of committed.cells) {
    expect(floor.cells).toContainEqual({ packageType: c.packageType, architecture: c.architecture, familyOutLogQuantile: c.familyOutLogQuantile });
  }
  expect(floor.memoryCells).toHaveLength(committed.memoryCells.length);
  expect(flooredFamilyOutQuantile(0.1, floor, 'init', committed.cells[0])).toBe(committed.cells[0].familyOutLogQuantile);
  expect(flooredFamilyOutQuantile(5, floor, 'init', committed.cells[0])).toBe(5);
  expect(flooredFamilyOutQuantile(null, floor, 'init', committed.cells[0])).toBeNull();
  expect(flooredFamilyOutQuantile(0.1, undefined, 'init', committed.cells[0])).toBe(0.1);
});

test("a run's narrower family-out intervals widen to the committed width; the point prediction does not move", () => {
  const narrow = scaled(0.5);
  const floored: FittedModel = { ...narrow, intervalFloor: intervalFloorOf(committed) };
  const without = predictAwsInit(apr, narrow);
  const withFloor = predictAwsInit(apr, floored);
  const reference = predictAwsInit(apr, committed);
  for (let i = 0; i < without.length; i++) {
    expect(withFloor[i].p50Ms).toBe(without[i].p50Ms);
    expect(withFloor[i].validation.kind).toBe('leave-one-family-out');
    // .apr lies below the range: the upper end may be the slope bracket's; the lower end is the errors' alone.
    expect(withFloor[i].interval.low).toBeLessThan(without[i].interval.low);
    expect(Math.log(withFloor[i].p50Ms / withFloor[i].interval.low)).toBeCloseTo(Math.log(reference[i].p50Ms / reference[i].interval.low), 2);
  }
  const memoryWithout = predictAwsMemory(apr, narrow);
  const memoryWith = predictAwsMemory(apr, floored);
  for (let i = 0; i < memoryWith.length; i++) {
    expect(memoryWith[i].maxMemoryUsedMB).toBe(memoryWithout[i].maxMemoryUsedMB);
    expect(memoryWith[i].interval.high).toBeGreaterThan(memoryWithout[i].interval.high);
  }
  expect(cellsWidenedByFloor(floored)).toEqual([
    ...committed.cells.map((c) => `${c.packageType} ${c.architecture}`),
    ...committed.memoryCells.map((c) => `memory ${c.packageType} ${c.architecture}`),
  ]);
});

test("a run whose own family-out intervals are wider keeps them, and a calibration hello world keeps its version-out interval", () => {
  const wide = scaled(2);
  const floored: FittedModel = { ...wide, intervalFloor: intervalFloorOf(committed) };
  expect(predictAwsInit(apr, floored)).toEqual(predictAwsInit(apr, wide));
  expect(cellsWidenedByFloor(floored)).toEqual([]);
  const narrow = scaled(0.5);
  const python = { localInitP50Ms: 40, localInitP90Ms: 50, localInitFileMB: 9, packageType: 'Zip' as const, calibrationRuntime: 'python3.12' };
  const [own] = predictAwsInit(python, narrow);
  const [withFloor] = predictAwsInit(python, { ...narrow, intervalFloor: intervalFloorOf(committed) });
  expect(own.validation.kind).toBe('leave-one-version-out');
  expect(withFloor).toEqual(own);
  expect(halfWidth(withFloor.interval)).toBeGreaterThan(0);
});
