// Reads the wine model from an Aprender .apr v1 file (magic APRN, LinearRegression), as the project's Python
// reader (baselines/pytorch-wine/apr_reader.py) does: the same checks in the same order, the first failure
// reported with the name of its check (size, crc, magic, version, model_type, sizes, compression, metadata,
// payload). Layout (little-endian): a 32-byte header, MessagePack metadata, a bincode 1.x payload
// {coefficients: Option<Vec<f32>>, intercept: f32, fit_intercept: bool}, an IEEE CRC32 of every byte before it.
// The shared fixtures in test/fixtures/apr/ hold one file per failure (test/ladder/node-apr-reader.test.ts).
import { crc32 } from 'node:zlib';
import { decodeMsgpack } from './msgpack.mjs';

export const HEADER_SIZE = 32;
export const CRC_SIZE = 4;
export const FEATURE_COUNT = 11;
const MAGIC = 'APRN';
const SUPPORTED_MAJOR_VERSION = 1;
const MODEL_TYPE_LINEAR_REGRESSION = 0x0001;
const COMPRESSION_NONE = 0x00;
// Option tag + u64 length + 11 f32 coefficients + f32 intercept + bool fit_intercept.
const PAYLOAD_SIZE = 1 + 8 + 4 * FEATURE_COUNT + 4 + 1;
const hex = (n, width) => n.toString(16).toUpperCase().padStart(width, '0');

export class AprFormatError extends Error {
  constructor(check, message) {
    super(`${check}: ${message}`);
    this.name = 'AprFormatError';
    this.check = check;
  }
}

/**
 * Decodes and checks a whole file (a Uint8Array). `expectedFeatureNames`, when given, must match exactly.
 * Returns {formatVersion, coefficients, intercept, fitIntercept, statistics, metadata}; coefficients and
 * intercept are the float32 values as Numbers (exact).
 */
export function readApr(data, expectedFeatureNames) {
  if (data.length < HEADER_SIZE + CRC_SIZE) {
    throw new AprFormatError('size', `file is ${data.length} bytes, smaller than the ${HEADER_SIZE}-byte header plus the ${CRC_SIZE}-byte CRC32`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const storedCrc = view.getUint32(data.length - CRC_SIZE, true);
  const computedCrc = crc32(data.subarray(0, data.length - CRC_SIZE));
  if (storedCrc !== computedCrc) {
    throw new AprFormatError('crc', `CRC32 mismatch: stored 0x${hex(storedCrc, 8)}, computed 0x${hex(computedCrc, 8)} (the file is corrupted or truncated)`);
  }
  const magic = Buffer.from(data.subarray(0, 4));
  if (magic.toString('latin1') !== MAGIC) {
    const hint = magic.equals(Buffer.from('APR\0', 'latin1')) ? ' (that is the .apr v2 container, not v1)' : '';
    throw new AprFormatError('magic', `magic is ${magic.toString('hex').toUpperCase()}, expected "APRN" (41 50 52 4E)${hint}`);
  }
  const [major, minor] = [data[4], data[5]];
  // As apr-format: a newer major version has another layout; minor versions keep this one.
  if (major > SUPPORTED_MAJOR_VERSION) {
    throw new AprFormatError('version', `format version ${major}.${minor} is not supported; this reader reads version ${SUPPORTED_MAJOR_VERSION}.x`);
  }
  const modelType = view.getUint16(6, true);
  if (modelType !== MODEL_TYPE_LINEAR_REGRESSION) {
    throw new AprFormatError('model_type', `model type 0x${hex(modelType, 4)}, expected 0x0001 (LinearRegression)`);
  }
  const metadataSize = view.getUint32(8, true);
  const payloadSize = view.getUint32(12, true);
  const expectedLength = HEADER_SIZE + metadataSize + payloadSize + CRC_SIZE;
  if (expectedLength !== data.length) {
    throw new AprFormatError('sizes', `the header declares ${metadataSize} bytes of metadata and ${payloadSize} bytes of payload, so the file should be ` +
      `${HEADER_SIZE} + ${metadataSize} + ${payloadSize} + ${CRC_SIZE} = ${expectedLength} bytes, but it is ${data.length}`);
  }
  const compression = data[20];
  if (compression !== COMPRESSION_NONE) {
    throw new AprFormatError('compression', `payload compression 0x${hex(compression, 2)}; this reader reads uncompressed payloads (0x00) only`);
  }
  const metadata = decodeMetadata(data.subarray(HEADER_SIZE, HEADER_SIZE + metadataSize));
  const statistics = wineStatistics(metadata, expectedFeatureNames);
  const payloadStart = HEADER_SIZE + metadataSize;
  const { coefficients, intercept, fitIntercept } = decodePayload(data.subarray(payloadStart, payloadStart + payloadSize));
  return { formatVersion: [major, minor], coefficients, intercept, fitIntercept, statistics, metadata };
}

function decodeMetadata(raw) {
  let metadata;
  try {
    metadata = decodeMsgpack(raw);
  } catch (error) {
    throw new AprFormatError('metadata', `not valid MessagePack: ${error.message}`);
  }
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata) || metadata instanceof Uint8Array) {
    throw new AprFormatError('metadata', 'the MessagePack value is not a map');
  }
  // apr-format's Metadata struct requires these two; everything else is optional there.
  for (const name of ['created_at', 'aprender_version']) {
    if (typeof metadata[name] !== 'string') throw new AprFormatError('metadata', `required field '${name}' is missing or not a string`);
  }
  return metadata;
}

const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);

function wineStatistics(metadata, expectedNames) {
  const wine = isMap(metadata.custom) ? metadata.custom.wine_quality : undefined;
  if (!isMap(wine)) {
    throw new AprFormatError('metadata', 'custom.wine_quality is missing or not a map; it holds the feature names and statistics the function needs');
  }
  const names = wine.feature_names;
  if (!(Array.isArray(names) && names.length === FEATURE_COUNT && names.every((n) => typeof n === 'string'))) {
    throw new AprFormatError('metadata', `custom.wine_quality.feature_names must be ${FEATURE_COUNT} strings`);
  }
  if (expectedNames !== undefined) {
    names.forEach((found, i) => {
      if (found !== expectedNames[i]) {
        throw new AprFormatError('metadata', `custom.wine_quality.feature_names[${i}] is ${JSON.stringify(found)}, expected ${JSON.stringify(expectedNames[i])}`);
      }
    });
  }
  const columns = {};
  for (const key of ['feature_means', 'feature_mins', 'feature_maxs']) {
    const values = wine[key];
    if (!(Array.isArray(values) && values.length === FEATURE_COUNT)) {
      throw new AprFormatError('metadata', `custom.wine_quality.${key} must be ${FEATURE_COUNT} numbers`);
    }
    values.forEach((value, i) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new AprFormatError('metadata', `custom.wine_quality.${key}[${i}] is ${JSON.stringify(value)}, expected a finite number`);
      }
    });
    columns[key] = [...values];
  }
  for (let i = 0; i < FEATURE_COUNT; i++) {
    if (columns.feature_mins[i] > columns.feature_maxs[i]) {
      throw new AprFormatError('metadata', `custom.wine_quality: feature ${JSON.stringify(names[i])} has minimum ${columns.feature_mins[i]} above maximum ${columns.feature_maxs[i]}`);
    }
  }
  return { featureNames: [...names], featureMeans: columns.feature_means, featureMins: columns.feature_mins, featureMaxs: columns.feature_maxs };
}

function decodePayload(payload) {
  if (payload.length < 1) throw new AprFormatError('payload', 'payload is empty');
  const tag = payload[0];
  if (tag === 0) throw new AprFormatError('payload', 'coefficients are absent (Option tag 0: an unfitted model)');
  if (tag !== 1) throw new AprFormatError('payload', `Option tag ${tag} for coefficients, expected 1 (Some)`);
  if (payload.length < 9) throw new AprFormatError('payload', `payload ends after ${payload.length} bytes, inside the coefficient count`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const count = view.getBigUint64(1, true);
  if (count !== BigInt(FEATURE_COUNT)) throw new AprFormatError('payload', `${count} coefficients, expected ${FEATURE_COUNT} (one per feature)`);
  if (payload.length !== PAYLOAD_SIZE) {
    const where = payload.length < PAYLOAD_SIZE ? 'is short' : 'has trailing bytes';
    throw new AprFormatError('payload', `payload is ${payload.length} bytes, expected ${PAYLOAD_SIZE} (1 + 8 + ${FEATURE_COUNT}x4 + 4 + 1); it ${where}`);
  }
  const coefficients = Array.from({ length: FEATURE_COUNT }, (_, i) => view.getFloat32(9 + 4 * i, true));
  const intercept = view.getFloat32(9 + 4 * FEATURE_COUNT, true);
  coefficients.forEach((value, i) => {
    if (!Number.isFinite(value)) throw new AprFormatError('payload', `coefficient ${i} is ${value}, expected a finite float32`);
  });
  if (!Number.isFinite(intercept)) throw new AprFormatError('payload', `intercept is ${intercept}, expected a finite float32`);
  const flag = payload[PAYLOAD_SIZE - 1];
  if (flag !== 0 && flag !== 1) throw new AprFormatError('payload', `fit_intercept byte is ${flag}, expected 0 or 1 (a bincode bool)`);
  return { coefficients, intercept, fitIntercept: flag === 1 };
}
