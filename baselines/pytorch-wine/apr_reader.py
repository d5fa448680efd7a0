"""Reads the wine model from an Aprender `.apr` v1 file (magic `APRN`, LinearRegression).

Layout (all integers little-endian): a 32-byte header, MessagePack metadata (a map with named fields),
a bincode 1.x payload `{coefficients: Option<Vec<f32>>, intercept: f32, fit_intercept: bool}`, and an
IEEE CRC32 of every byte before it.

The checks run in a fixed order and the first failure is reported, naming the check:
size, crc, magic, version, model_type, sizes, compression, metadata, payload. The CRC comes before
anything is interpreted, so a corrupted file is reported as corrupted, not as whatever its damaged
bytes happen to look like. test/fixtures/apr/ holds one file per failure, shared with the Rust side;
the tests compare this reader's decisions and values with apr-format's own (`apr-pack inspect`).
"""

import math
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Dict, List

import msgpack

MAGIC = b'APRN'
HEADER_SIZE = 32
CRC_SIZE = 4
SUPPORTED_MAJOR_VERSION = 1
MODEL_TYPE_LINEAR_REGRESSION = 0x0001
COMPRESSION_NONE = 0x00
FEATURE_COUNT = 11
# Option tag + u64 length + 11 f32 coefficients + f32 intercept + bool fit_intercept.
PAYLOAD_SIZE = 1 + 8 + 4 * FEATURE_COUNT + 4 + 1

# Names from apr-format's ModelType, so that error messages say what a file claims to be.
MODEL_TYPE_NAMES = {
    0x0001: 'LinearRegression', 0x0002: 'LogisticRegression', 0x0003: 'DecisionTree',
    0x0004: 'RandomForest', 0x0005: 'GradientBoosting', 0x0006: 'KMeans', 0x0007: 'Pca',
    0x0008: 'NaiveBayes', 0x0009: 'Knn', 0x000A: 'Svm', 0x0010: 'NgramLm', 0x0011: 'Tfidf',
    0x0012: 'CountVectorizer', 0x0020: 'NeuralSequential', 0x0021: 'NeuralCustom',
    0x0030: 'ContentRecommender', 0x0040: 'MixtureOfExperts', 0x00FF: 'Custom',
}
COMPRESSION_NAMES = {0x00: 'none', 0x01: 'zstd level 3', 0x02: 'zstd level 19', 0x03: 'lz4'}

CHECKS = ('size', 'crc', 'magic', 'version', 'model_type', 'sizes', 'compression', 'metadata', 'payload')


class AprFormatError(ValueError):
    """The file is not a valid `.apr` v1 LinearRegression file; `check` names the failing check."""

    def __init__(self, check: str, message: str):
        assert check in CHECKS, check
        super().__init__(f'{check}: {message}')
        self.check = check


@dataclass(frozen=True)
class WineStatistics:
    """custom.wine_quality of the metadata: what the function needs beyond the weights."""
    feature_names: List[str]
    feature_means: List[float]
    feature_mins: List[float]
    feature_maxs: List[float]


@dataclass(frozen=True)
class AprModel:
    format_version: tuple
    coefficients: List[float]  # float32 values, held as Python floats (exact)
    intercept: float           # float32 value, held as a Python float (exact)
    fit_intercept: bool
    statistics: WineStatistics
    metadata: Dict[str, Any] = field(repr=False)


def read_apr_file(path: str, expected_feature_names=None) -> AprModel:
    with open(path, 'rb') as handle:
        return read_apr(handle.read(), expected_feature_names)


def read_apr(data: bytes, expected_feature_names=None) -> AprModel:
    """Decodes and checks a whole file. `expected_feature_names`, when given, must match exactly."""
    minimum = HEADER_SIZE + CRC_SIZE
    if len(data) < minimum:
        raise AprFormatError('size', f'file is {len(data)} bytes, smaller than the {HEADER_SIZE}-byte header '
                                     f'plus the {CRC_SIZE}-byte CRC32')

    stored_crc = struct.unpack_from('<I', data, len(data) - CRC_SIZE)[0]
    computed_crc = zlib.crc32(data[:-CRC_SIZE])  # zlib's CRC32 is the IEEE one (0xEDB88320)
    if stored_crc != computed_crc:
        raise AprFormatError('crc', f'CRC32 mismatch: stored 0x{stored_crc:08X}, computed 0x{computed_crc:08X} '
                                    '(the file is corrupted or truncated)')

    magic = data[0:4]
    if magic != MAGIC:
        hint = ' (that is the .apr v2 container, not v1)' if magic == b'APR\x00' else ''
        raise AprFormatError('magic', f'magic is {magic!r} ({magic.hex().upper()}), expected '
                                      f"b'APRN' (41 50 52 4E){hint}")

    major, minor = data[4], data[5]
    # As apr-format: a newer major version has another layout; minor versions keep this one.
    if major > SUPPORTED_MAJOR_VERSION:
        raise AprFormatError('version', f'format version {major}.{minor} is not supported; this reader reads '
                                        f'version {SUPPORTED_MAJOR_VERSION}.x')

    model_type = struct.unpack_from('<H', data, 6)[0]
    if model_type != MODEL_TYPE_LINEAR_REGRESSION:
        name = MODEL_TYPE_NAMES.get(model_type, 'unknown')
        raise AprFormatError('model_type', f'model type 0x{model_type:04X} ({name}), expected 0x0001 '
                                           '(LinearRegression)')

    metadata_size, payload_size, _uncompressed_size = struct.unpack_from('<III', data, 8)
    expected_length = HEADER_SIZE + metadata_size + payload_size + CRC_SIZE
    if expected_length != len(data):
        raise AprFormatError('sizes', f'the header declares {metadata_size} bytes of metadata and '
                                      f'{payload_size} bytes of payload, so the file should be '
                                      f'{HEADER_SIZE} + {metadata_size} + {payload_size} + {CRC_SIZE} = '
                                      f'{expected_length} bytes, but it is {len(data)}')

    compression = data[20]
    if compression != COMPRESSION_NONE:
        name = COMPRESSION_NAMES.get(compression, 'unknown')
        raise AprFormatError('compression', f'payload compression 0x{compression:02X} ({name}); this reader '
                                            'reads uncompressed payloads (0x00) only')

    metadata = _decode_metadata(data[HEADER_SIZE:HEADER_SIZE + metadata_size])
    statistics = _wine_statistics(metadata, expected_feature_names)
    coefficients, intercept, fit_intercept = _decode_payload(
        data[HEADER_SIZE + metadata_size:HEADER_SIZE + metadata_size + payload_size])
    return AprModel((major, minor), coefficients, intercept, fit_intercept, statistics, metadata)


def _decode_metadata(raw: bytes) -> Dict[str, Any]:
    try:
        metadata = msgpack.unpackb(raw, raw=False, strict_map_key=True)
    except msgpack.ExtraData as error:
        raise AprFormatError('metadata', f'{len(error.extra)} bytes follow the MessagePack metadata map '
                                         'inside the metadata section') from None
    except Exception as error:  # msgpack raises several types for malformed input
        raise AprFormatError('metadata', f'not valid MessagePack: {error}') from None
    if not isinstance(metadata, dict):
        raise AprFormatError('metadata', f'MessagePack value is a {type(metadata).__name__}, expected a map')
    # apr-format's Metadata struct requires these two; everything else is optional there.
    for name in ('created_at', 'aprender_version'):
        if not isinstance(metadata.get(name), str):
            raise AprFormatError('metadata', f"required field '{name}' is missing or not a string")
    return metadata


def _wine_statistics(metadata: Dict[str, Any], expected_names) -> WineStatistics:
    custom = metadata.get('custom')
    wine = custom.get('wine_quality') if isinstance(custom, dict) else None
    if not isinstance(wine, dict):
        raise AprFormatError('metadata', "custom.wine_quality is missing or not a map; it holds the feature "
                                         'names and statistics the function needs')
    names = wine.get('feature_names')
    if not (isinstance(names, list) and len(names) == FEATURE_COUNT and all(isinstance(n, str) for n in names)):
        raise AprFormatError('metadata', f'custom.wine_quality.feature_names must be {FEATURE_COUNT} strings')
    if expected_names is not None:
        for index, (found, expected) in enumerate(zip(names, expected_names)):
            if found != expected:
                raise AprFormatError('metadata', f'custom.wine_quality.feature_names[{index}] is {found!r}, '
                                                 f'expected {expected!r}')
    columns = {}
    for key in ('feature_means', 'feature_mins', 'feature_maxs'):
        values = wine.get(key)
        if not (isinstance(values, list) and len(values) == FEATURE_COUNT):
            raise AprFormatError('metadata', f'custom.wine_quality.{key} must be {FEATURE_COUNT} numbers')
        for index, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise AprFormatError('metadata', f'custom.wine_quality.{key}[{index}] is {value!r}, '
                                                 'expected a finite number')
        columns[key] = [float(v) for v in values]
    for index in range(FEATURE_COUNT):
        if columns['feature_mins'][index] > columns['feature_maxs'][index]:
            raise AprFormatError('metadata', f'custom.wine_quality: feature {names[index]!r} has minimum '
                                             f"{columns['feature_mins'][index]} above maximum "
                                             f"{columns['feature_maxs'][index]}")
    return WineStatistics(list(names), columns['feature_means'], columns['feature_mins'], columns['feature_maxs'])


def _decode_payload(payload: bytes):
    if len(payload) < 1:
        raise AprFormatError('payload', 'payload is empty')
    tag = payload[0]
    if tag == 0:
        raise AprFormatError('payload', 'coefficients are absent (Option tag 0: an unfitted model)')
    if tag != 1:
        raise AprFormatError('payload', f'Option tag {tag} for coefficients, expected 1 (Some)')
    if len(payload) < 9:
        raise AprFormatError('payload', f'payload ends after {len(payload)} bytes, inside the coefficient count')
    count = struct.unpack_from('<Q', payload, 1)[0]
    if count != FEATURE_COUNT:
        raise AprFormatError('payload', f'{count} coefficients, expected {FEATURE_COUNT} (one per feature)')
    if len(payload) != PAYLOAD_SIZE:
        where = 'is short' if len(payload) < PAYLOAD_SIZE else 'has trailing bytes'
        raise AprFormatError('payload', f'payload is {len(payload)} bytes, expected {PAYLOAD_SIZE} '
                                        f'(1 + 8 + {FEATURE_COUNT}x4 + 4 + 1); it {where}')
    values = struct.unpack_from(f'<{FEATURE_COUNT + 1}f', payload, 9)
    coefficients, intercept = list(values[:FEATURE_COUNT]), values[FEATURE_COUNT]
    for index, value in enumerate(coefficients):
        if not math.isfinite(value):
            raise AprFormatError('payload', f'coefficient {index} is {value}, expected a finite float32')
    if not math.isfinite(intercept):
        raise AprFormatError('payload', f'intercept is {intercept}, expected a finite float32')
    flag = payload[PAYLOAD_SIZE - 1]
    if flag not in (0, 1):
        raise AprFormatError('payload', f'fit_intercept byte is {flag}, expected 0 or 1 (a bincode bool)')
    return coefficients, intercept, flag == 1
