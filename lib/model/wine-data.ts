import { readFileSync } from 'node:fs';

/**
 * The 11 physicochemical features, in model order, named as requests name them (snake_case; `pH` keeps
 * its chemical spelling, as in the reference payload). The CSV header names them with spaces.
 */
export const FEATURE_NAMES = [
  'fixed_acidity', 'volatile_acidity', 'citric_acid', 'residual_sugar', 'chlorides',
  'free_sulfur_dioxide', 'total_sulfur_dioxide', 'density', 'pH', 'sulphates', 'alcohol',
] as const;

const CSV_COLUMNS = [
  'fixed acidity', 'volatile acidity', 'citric acid', 'residual sugar', 'chlorides',
  'free sulfur dioxide', 'total sulfur dioxide', 'density', 'pH', 'sulphates', 'alcohol', 'quality',
];

export interface WineData {
  /** One row of 11 feature values per wine, in FEATURE_NAMES order. */
  features: number[][];
  /** The sensory quality score (0-10) of each wine. */
  quality: number[];
}

/** Parses the UCI file format: `;`-separated, quoted header, one wine per line. */
export function parseWineCsv(text: string, source = 'wine CSV'): WineData {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  if (lines.length < 2) throw new Error(`${source}: expected a header and at least one row`);
  const header = lines[0].split(';').map((cell) => cell.replace(/^"|"$/g, ''));
  if (header.join('|') !== CSV_COLUMNS.join('|')) {
    throw new Error(`${source}: unexpected header ${JSON.stringify(header)}; expected ${JSON.stringify(CSV_COLUMNS)}`);
  }
  const features: number[][] = [];
  const quality: number[] = [];
  lines.slice(1).forEach((line, index) => {
    const cells = line.split(';');
    if (cells.length !== CSV_COLUMNS.length) {
      throw new Error(`${source} line ${index + 2}: ${cells.length} columns, expected ${CSV_COLUMNS.length}`);
    }
    const values = cells.map((cell, column) => {
      const value = Number(cell);
      if (cell.trim() === '' || !Number.isFinite(value)) {
        throw new Error(`${source} line ${index + 2}: column '${CSV_COLUMNS[column]}' is not a number: ${JSON.stringify(cell)}`);
      }
      return value;
    });
    features.push(values.slice(0, 11));
    quality.push(values[11]);
  });
  return { features, quality };
}

export function loadWineCsv(path: string): WineData {
  return parseWineCsv(readFileSync(path, 'utf8'), path);
}
