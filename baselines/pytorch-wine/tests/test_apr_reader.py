"""The .apr reader against apr-format (the format's reference implementation, via `apr-pack inspect`) on
the committed model and on every shared fixture in test/fixtures/apr/."""

import filecmp
import math
import os
import struct
import subprocess
import sys

import pytest

from conftest import APR_PATH, FIXTURES, REPO
from apr_reader import AprFormatError, CHECKS, read_apr, read_apr_file
from wine_rules import FEATURE_NAMES


def fixture_path(case):
    return os.path.normpath(os.path.join(FIXTURES, case['file']))


def test_valid_file_decodes_to_what_apr_format_decodes(apr_model, apr_pack):
    reference, error = apr_pack(APR_PATH)
    assert reference is not None, error
    # JSON carries apr-format's float32 values as float64 text that reads back exactly.
    assert apr_model.coefficients == reference['coefficients']
    assert apr_model.intercept == reference['intercept']
    assert apr_model.fit_intercept is reference['fit_intercept'] is True
    assert list(apr_model.format_version) == reference['format_version']
    wine = reference['metadata']['custom']['wine_quality']
    assert apr_model.statistics.feature_names == wine['feature_names'] == list(FEATURE_NAMES)
    assert apr_model.statistics.feature_means == wine['feature_means']
    assert apr_model.statistics.feature_mins == wine['feature_mins']
    assert apr_model.statistics.feature_maxs == wine['feature_maxs']
    for key in ('created_at', 'aprender_version', 'model_name', 'description', 'metrics', 'hyperparameters'):
        assert apr_model.metadata[key] == reference['metadata'][key], key


def test_coefficients_are_float32_values(apr_model):
    for value in apr_model.coefficients + [apr_model.intercept]:
        assert struct.unpack('<f', struct.pack('<f', value))[0] == value


def test_every_fixture_gets_the_listed_decision_and_check(fixture_cases):
    assert len(fixture_cases) >= 25
    checks_seen = set()
    for case in fixture_cases:
        expected = case['reader']
        if expected['accept']:
            model = read_apr_file(fixture_path(case), expected_feature_names=FEATURE_NAMES)
            assert len(model.coefficients) == 11, case['name']
            continue
        with pytest.raises(AprFormatError) as raised:
            read_apr_file(fixture_path(case), expected_feature_names=FEATURE_NAMES)
        assert raised.value.check == expected['check'], (case['name'], str(raised.value))
        assert str(raised.value).startswith(expected['check'] + ': ')
        checks_seen.add(raised.value.check)
    assert checks_seen == set(CHECKS), 'every check has at least one failing fixture'


def test_apr_format_decides_as_the_manifest_says(fixture_cases, apr_pack):
    """The manifest's apr_format column is apr-format's actual behaviour, not a guess; where both
    readers accept, they decode the same values."""
    for case in fixture_cases:
        reference, error = apr_pack(fixture_path(case))
        decision = 'accept' if reference is not None else 'reject'
        assert decision == case['apr_format'], (case['name'], error)
        if decision == 'reject' and case['reader']['accept']:
            pytest.fail(f"{case['name']}: apr-format rejects a file our reader accepts: {error}")
        if decision == 'accept' and not case['reader']['accept']:
            assert case.get('why'), f"{case['name']}: a stricter decision than apr-format needs its reason"
        if decision == 'accept' and case['reader']['accept']:
            ours = read_apr_file(fixture_path(case))
            assert ours.coefficients == reference['coefficients'], case['name']
            assert ours.intercept == reference['intercept'], case['name']


def test_fixture_files_are_what_the_generator_writes_today(tmp_path):
    """If wine.apr or the generator changes, the committed fixtures must be regenerated."""
    subprocess.run([sys.executable, os.path.join(FIXTURES, 'generate.py'), '--out', str(tmp_path)],
                   check=True, capture_output=True, timeout=60)
    generated = sorted(os.listdir(tmp_path))
    committed = sorted(name for name in os.listdir(FIXTURES) if name.endswith(('.apr', '.json')))
    assert generated == committed
    _, mismatch, errors = filecmp.cmpfiles(tmp_path, FIXTURES, generated, shallow=False)
    assert mismatch == [] and errors == [], 'run: python3 test/fixtures/apr/generate.py'


def read_bytes(path=APR_PATH):
    with open(path, 'rb') as handle:
        return handle.read()


@pytest.mark.parametrize('name, needle', [
    ('empty', '0 bytes, smaller than the 32-byte header plus the 4-byte CRC32'),
    ('crc-trailer-flipped', 'CRC32 mismatch: stored 0x4F252982, computed 0x4E252982'),
    ('magic-bad', "magic is b'APRX'"),
    ('magic-v2', '.apr v2 container'),
    ('version-2-0', 'format version 2.0 is not supported'),
    ('model-type-logistic', 'model type 0x0002 (LogisticRegression), expected 0x0001 (LinearRegression)'),
    ('metadata-size-too-large', 'declares 65535 bytes of metadata'),
    ('compression-zstd', 'compression 0x01 (zstd level 3)'),
    ('metadata-not-msgpack', 'not valid MessagePack'),
    ('metadata-no-wine-quality', 'custom.wine_quality is missing'),
    ('metadata-feature-name-changed', "feature_names[10] is 'alcohox', expected 'alcohol'"),
    ('payload-option-none', 'coefficients are absent'),
    ('payload-10-coefficients', '10 coefficients, expected 11'),
    ('payload-nan-coefficient', 'coefficient 3 is nan'),
    ('payload-bool-2', 'fit_intercept byte is 2'),
    ('payload-trailing-byte', 'payload is 59 bytes, expected 58'),
])
def test_messages_name_what_is_wrong(name, needle):
    with pytest.raises(AprFormatError) as raised:
        read_apr(read_bytes(os.path.join(FIXTURES, name + '.apr')), expected_feature_names=FEATURE_NAMES)
    assert needle in str(raised.value)


def test_checks_run_in_the_documented_order():
    """A file broken in two ways is reported by the earlier check."""
    data = bytearray(read_bytes())
    data[0:4] = b'XXXX'   # magic, and the CRC no longer matches: CRC comes first
    with pytest.raises(AprFormatError) as raised:
        read_apr(bytes(data))
    assert raised.value.check == 'crc'

    import zlib
    body = bytearray(read_bytes()[:-4])
    struct.pack_into('<H', body, 6, 2)      # model type ...
    struct.pack_into('<I', body, 8, 9999)   # ... and sizes: model type comes first
    with pytest.raises(AprFormatError) as raised:
        read_apr(bytes(body) + struct.pack('<I', zlib.crc32(bytes(body))))
    assert raised.value.check == 'model_type'


def test_minimum_size_is_header_plus_crc():
    # 36 bytes of zeros pass the size check and fail the CRC (CRC32 of 32 zero bytes is not 0).
    with pytest.raises(AprFormatError) as raised:
        read_apr(bytes(36))
    assert raised.value.check == 'crc'


def test_statistics_are_finite_and_ordered(apr_model):
    s = apr_model.statistics
    for low, mean, high in zip(s.feature_mins, s.feature_means, s.feature_maxs):
        assert math.isfinite(mean) and low <= mean <= high


def test_manifest_lists_every_fixture_file(fixture_cases):
    listed = {case['file'] for case in fixture_cases}
    on_disk = {name for name in os.listdir(FIXTURES) if name.endswith('.apr')}
    assert on_disk <= listed
    for case in fixture_cases:
        assert os.path.isfile(fixture_path(case)), case['file']
    valid = [case for case in fixture_cases if case['name'] == 'valid']
    assert [fixture_path(case) for case in valid] == [os.path.join(REPO, 'lambda-apr', 'model', 'wine.apr')]
