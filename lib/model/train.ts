import { FEATURE_NAMES, WineData } from './wine-data';
import { solveLeastSquares } from './least-squares';

export interface LinearFit {
  /** One float64 coefficient per feature, in FEATURE_NAMES order. */
  coefficients: number[];
  intercept: number;
}

export interface FeatureStatistics {
  means: number[];
  mins: number[];
  maxs: number[];
}

export interface TrainedWineModel {
  fit: LinearFit;
  /** The fit as stored and served: every weight rounded to float32. */
  stored: LinearFit;
  statistics: FeatureStatistics;
  metrics: { rmse: number; r2: number; cv10Rmse: number; samples: number };
}

export const CV_FOLDS = 10;

/** Least squares with an intercept column, on the raw (unscaled) features. */
export function fitLinear(features: number[][], targets: number[]): LinearFit {
  const solution = solveLeastSquares(features.map((row) => [1, ...row]), targets);
  return { intercept: solution[0], coefficients: solution.slice(1) };
}

export function predict(fit: LinearFit, row: number[]): number {
  let sum = fit.intercept;
  for (let i = 0; i < row.length; i++) sum += fit.coefficients[i] * row[i];
  return sum;
}

function rootMeanSquare(residuals: number[]): number {
  return Math.sqrt(residuals.reduce((sum, r) => sum + r * r, 0) / residuals.length);
}

/**
 * k-fold cross-validated RMSE, pooled over every held-out prediction. Folds are interleaved
 * (row i belongs to fold i mod k): deterministic without a random generator, and the UCI file has no
 * ordering by quality that interleaving could correlate with.
 */
export function crossValidatedRmse(data: WineData, folds = CV_FOLDS): number {
  const residuals: number[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const trainRows: number[][] = [];
    const trainTargets: number[] = [];
    data.features.forEach((row, i) => {
      if (i % folds !== fold) {
        trainRows.push(row);
        trainTargets.push(data.quality[i]);
      }
    });
    const fit = fitLinear(trainRows, trainTargets);
    data.features.forEach((row, i) => {
      if (i % folds === fold) residuals.push(data.quality[i] - predict(fit, row));
    });
  }
  return rootMeanSquare(residuals);
}

export function featureStatistics(features: number[][]): FeatureStatistics {
  const columns = FEATURE_NAMES.map((_, j) => features.map((row) => row[j]));
  return {
    means: columns.map((column) => column.reduce((sum, x) => sum + x, 0) / column.length),
    mins: columns.map((column) => Math.min(...column)),
    maxs: columns.map((column) => Math.max(...column)),
  };
}

export function trainWineModel(data: WineData): TrainedWineModel {
  const fit = fitLinear(data.features, data.quality);
  const residuals = data.features.map((row, i) => data.quality[i] - predict(fit, row));
  const meanQuality = data.quality.reduce((sum, q) => sum + q, 0) / data.quality.length;
  const totalSquares = data.quality.reduce((sum, q) => sum + (q - meanQuality) ** 2, 0);
  const residualSquares = residuals.reduce((sum, r) => sum + r * r, 0);
  return {
    fit,
    stored: { intercept: Math.fround(fit.intercept), coefficients: fit.coefficients.map(Math.fround) },
    statistics: featureStatistics(data.features),
    metrics: {
      rmse: rootMeanSquare(residuals),
      r2: 1 - residualSquares / totalSquares,
      cv10Rmse: crossValidatedRmse(data),
      samples: data.quality.length,
    },
  };
}
