"""export_model.py: model.pt holds exactly the .apr weights and statistics, loads without pickled code,
and predicts what the float32 formula gives."""

import os
import struct
import subprocess
import sys
import zlib

import pytest
import torch

from conftest import APR_PATH, FUNCTION_DIR, REPO, f32, reference_predict
from export_model import export
from wine_checkpoint import CheckpointError, load_checkpoint, wine_model


def bits(values):
    return [struct.pack('<f', v) for v in values]


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp('export') / 'model.pt'
    export(APR_PATH, str(out))
    return str(out)


def test_weights_are_copied_bit_for_bit(exported, apr_model):
    linear, _ = load_checkpoint(exported)
    assert isinstance(linear, torch.nn.Linear)
    assert (linear.in_features, linear.out_features) == (11, 1)
    assert linear.weight.dtype == torch.float32 and linear.bias.dtype == torch.float32
    assert bits(linear.weight.detach()[0].tolist()) == bits(apr_model.coefficients)
    assert bits([linear.bias.item()]) == bits([apr_model.intercept])
    assert not linear.training


def test_statistics_travel_exactly(exported, apr_model):
    _, checkpoint = load_checkpoint(exported)
    stats = apr_model.statistics
    assert checkpoint['feature_names'] == stats.feature_names
    assert checkpoint['feature_means'] == stats.feature_means
    assert checkpoint['feature_mins'] == stats.feature_mins
    assert checkpoint['feature_maxs'] == stats.feature_maxs
    with open(APR_PATH, 'rb') as handle:
        assert checkpoint['source']['crc32'] == f'{zlib.crc32(handle.read()[:-4]):08x}'
    assert checkpoint['source']['aprender_version'] == apr_model.metadata['aprender_version']


def test_file_is_a_weights_only_checkpoint(exported):
    """torch.load(weights_only=True) refuses pickled classes and code; the file must load that way."""
    checkpoint = torch.load(exported, map_location='cpu', weights_only=True)
    assert set(checkpoint) == {'format', 'state_dict', 'feature_names', 'feature_means', 'feature_mins',
                               'feature_maxs', 'source'}
    assert set(checkpoint['state_dict']) == {'weight', 'bias'}


def test_torch_prediction_matches_the_float32_formula(exported, apr_model):
    """nn.Linear may sum in another order than left to right; over the reference payload and a grid of
    values the difference stays at float32 rounding level."""
    model = wine_model(*load_checkpoint(exported))
    formula = reference_predict(apr_model.coefficients, apr_model.intercept)
    stats = apr_model.statistics
    rows = [[f32(v) for v in stats.feature_means], [f32(v) for v in stats.feature_mins],
            [f32(v) for v in stats.feature_maxs], [0.0] * 11]
    largest = 0.0
    for row in rows:
        torch_quality, exact = model.predict(row), formula(row)
        assert f32(torch_quality) == torch_quality
        largest = max(largest, abs(torch_quality - exact))
    assert largest < 1e-5


def test_load_rejects_a_file_that_is_not_the_checkpoint(tmp_path):
    other = tmp_path / 'other.pt'
    torch.save({'weight': torch.zeros(1, 11)}, str(other))
    with pytest.raises(CheckpointError, match='not a wine-quality-linear/1 checkpoint'):
        load_checkpoint(str(other))


def test_failed_export_leaves_the_previous_file_and_no_temporary(tmp_path):
    out = tmp_path / 'model.pt'
    out.write_bytes(b'previous')
    broken = tmp_path / 'broken.apr'
    data = bytearray(open(APR_PATH, 'rb').read())
    data[-1] ^= 0xFF
    broken.write_bytes(bytes(data))
    with pytest.raises(ValueError, match='crc: CRC32 mismatch'):
        export(str(broken), str(out))
    assert out.read_bytes() == b'previous'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['broken.apr', 'model.pt']


def test_written_file_is_world_readable(exported):
    """Lambda runs the function as a different user than the image build: the model must be readable."""
    assert os.stat(exported).st_mode & 0o444 == 0o444


def test_cli_writes_model_and_reports_the_torch_version(tmp_path):
    out = tmp_path / 'model.pt'
    done = subprocess.run([sys.executable, os.path.join(FUNCTION_DIR, 'export_model.py'),
                           '--apr', APR_PATH, '--out', str(out)],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert f'with torch {torch.__version__}' in done.stdout
    assert out.is_file()
