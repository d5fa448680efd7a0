import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURE_NAMES } from './wine-data';
import { TrainedWineModel } from './train';

/** Fixed so that training twice writes byte-identical files (the .apr metadata records it). */
export const MODEL_CREATED_AT = '2026-11-27T00:00:00Z';
export const MODEL_NAME = 'wine-quality-linear';
export const DATASET_CITATION =
  'UCI Wine Quality, red Vinho Verde (1599 wines). P. Cortez, A. Cerdeira, F. Almeida, T. Matos and J. Reis. '
  + 'Modeling wine preferences by data mining from physicochemical properties. Decision Support Systems, '
  + '47(4):547-553, 2009. doi:10.1016/j.dss.2009.05.016. CC BY 4.0.';

/** The JSON document apr-pack reads: its Rust side rejects unknown or missing fields. */
export function packDescription(model: TrainedWineModel): object {
  return {
    created_at: MODEL_CREATED_AT,
    model_name: MODEL_NAME,
    description: 'Ordinary least squares (float64 Householder QR) of sensory quality on the 11 raw '
      + 'physicochemical features of the red wines, with intercept; weights stored as float32.',
    coefficients: model.stored.coefficients,
    intercept: model.stored.intercept,
    samples: model.metrics.samples,
    source: DATASET_CITATION,
    solver: 'householder_qr_float64',
    metrics: { rmse: model.metrics.rmse, r2: model.metrics.r2, cv10_rmse: model.metrics.cv10Rmse },
    features: {
      names: FEATURE_NAMES,
      means: model.statistics.means,
      mins: model.statistics.mins,
      maxs: model.statistics.maxs,
      target: 'quality',
      dataset: DATASET_CITATION,
    },
  };
}

export const APR_PACK_MANIFEST = join(__dirname, '..', '..', 'tools', 'apr-pack', 'Cargo.toml');

/** Builds apr-pack (cargo is incremental: a no-op when nothing changed) and returns its path. */
export function buildAprPack(): string {
  execFileSync('cargo', ['build', '--release', '--quiet', '--manifest-path', APR_PACK_MANIFEST], { stdio: 'inherit' });
  return join(__dirname, '..', '..', 'tools', 'apr-pack', 'target', 'release', 'apr-pack');
}

/** Serialises the model with apr-format (through apr-pack) and returns the .apr bytes. */
export function encodeApr(model: TrainedWineModel, aprPack = buildAprPack()): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'apr-pack-'));
  try {
    const out = join(dir, 'model.apr');
    // JSON.stringify writes the shortest text that parses back to the same float64 (and apr-pack parses
    // with serde_json's float_roundtrip), so no digit is lost on the way.
    execFileSync(aprPack, ['write', out], { input: JSON.stringify(packDescription(model)), stdio: ['pipe', 'inherit', 'inherit'] });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads an .apr file with apr-format (through apr-pack) and returns what it decoded. */
export function inspectApr(path: string, aprPack = buildAprPack()): any {
  return JSON.parse(execFileSync(aprPack, ['inspect', path], { encoding: 'utf8' }));
}
