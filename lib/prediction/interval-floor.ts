/**
 * A floor under a run's own family-out intervals: the committed calibration's half-widths.
 *
 * Why: the family-out interval's half-width is a conformal quantile of one error per calibration family,
 * and with five families at 83 % it is the largest of five. A run that calibrates itself measures each
 * calibration function 10 times between its targets' cold starts, and those five errors move from run to
 * run: two default runs gave ×/÷ 1.4-1.6 on zip x86_64 where the committed calibration (50 cold starts a
 * function) gives ×/÷ 1.9, and the narrow intervals missed AWS for 3 and 4 of the 16 hold-out cells
 * (runtimes the model never saw) where the committed ones missed none. Both quantiles estimate the same
 * thing, how far this model form errs on a family it has not seen; the larger of the two keeps the printed
 * level from resting on one short run's five errors. The floor only widens: the point prediction is the
 * run's own, and a run whose own errors are larger keeps its own.
 */
import type { Architecture, FittedModel, IntervalFloor, PackageType } from './types';

type CellKey = { packageType: PackageType; architecture: Architecture };

/** The floor a committed model gives: its family-out half-width per cell, where it has one. */
export function intervalFloorOf(committed: FittedModel): IntervalFloor {
  const widths = <C extends CellKey & { familyOutLogQuantile: number | null }>(cells: readonly C[]) =>
    cells.flatMap((c) => (c.familyOutLogQuantile === null ? [] : [{ packageType: c.packageType, architecture: c.architecture, familyOutLogQuantile: c.familyOutLogQuantile }]));
  return { from: { ...committed.table }, cells: widths(committed.cells), memoryCells: widths(committed.memoryCells ?? []) };
}

/** A cell's family-out half-width with the model's floor under it (null, no finite width, stays null). */
export function flooredFamilyOutQuantile(own: number | null, floor: IntervalFloor | undefined, kind: 'init' | 'memory', cell: CellKey): number | null {
  if (own === null || !floor) return own;
  const match = (kind === 'init' ? floor.cells : floor.memoryCells).find((c) => c.packageType === cell.packageType && c.architecture === cell.architecture);
  return match ? Math.max(own, match.familyOutLogQuantile) : own;
}

/** The cells whose family-out half-width the floor widens, as 'Zip x86_64' (init) and 'memory Zip x86_64'. */
export function cellsWidenedByFloor(model: FittedModel): string[] {
  const floor = model.intervalFloor;
  if (!floor) return [];
  const widened = (kind: 'init' | 'memory', cells: readonly (CellKey & { familyOutLogQuantile: number | null })[]) =>
    cells
      .filter((c) => c.familyOutLogQuantile !== null && flooredFamilyOutQuantile(c.familyOutLogQuantile, floor, kind, c)! > c.familyOutLogQuantile)
      .map((c) => `${kind === 'memory' ? 'memory ' : ''}${c.packageType} ${c.architecture}`);
  return [...widened('init', model.cells), ...widened('memory', model.memoryCells ?? [])];
}
