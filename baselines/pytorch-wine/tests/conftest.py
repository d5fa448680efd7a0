"""Shared paths and models for the PyTorch function's tests. Runs from any working directory."""

import json
import math
import os
import shutil
import struct
import subprocess
import sys

import pytest

FUNCTION_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(FUNCTION_DIR))
APR_PATH = os.path.join(REPO, 'lambda-apr', 'model', 'wine.apr')
FIXTURES = os.path.join(REPO, 'test', 'fixtures', 'apr')
APR_PACK_MANIFEST = os.path.join(REPO, 'tools', 'apr-pack', 'Cargo.toml')
APR_PACK = os.path.join(REPO, 'tools', 'apr-pack', 'target', 'release', 'apr-pack')
VENV_PYTHON = os.path.join(FUNCTION_DIR, '.venv', 'bin', 'python')

if FUNCTION_DIR not in sys.path:
    sys.path.insert(0, FUNCTION_DIR)

from apr_reader import read_apr_file  # noqa: E402
from wine_rules import FEATURE_NAMES, WineModel  # noqa: E402

REFERENCE_PAYLOAD = {
    'fixed_acidity': 7.0, 'volatile_acidity': 0.3, 'citric_acid': 0.3, 'residual_sugar': 2.0,
    'chlorides': 0.05, 'free_sulfur_dioxide': 30.0, 'total_sulfur_dioxide': 100.0, 'density': 0.995,
    'pH': 3.3, 'sulphates': 0.6, 'alcohol': 10.5,
}


def f32(value: float) -> float:
    """Rounds to float32 as hardware does, overflowing to infinity."""
    try:
        return struct.unpack('<f', struct.pack('<f', value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def reference_predict(coefficients, intercept):
    """intercept + Σ c·x in float32, summed left to right: an exact float32 emulation (every float64
    operation on two float32 values rounds to float32 without double-rounding error)."""

    def predict(values):
        total = 0.0
        for c, x in zip(coefficients, values):
            total = f32(total + f32(c * x))
        return f32(total + intercept)

    return predict


@pytest.fixture(scope='session')
def apr_model():
    return read_apr_file(APR_PATH, expected_feature_names=FEATURE_NAMES)


@pytest.fixture(scope='session')
def reference_model(apr_model):
    """The rules' model with a pure-Python float32 predictor: rule tests need no torch."""
    s = apr_model.statistics
    return WineModel(apr_model.coefficients, s.feature_means, s.feature_mins, s.feature_maxs,
                     reference_predict(apr_model.coefficients, apr_model.intercept))


@pytest.fixture(scope='session')
def apr_pack():
    """apr-format's own reader (tools/apr-pack), built from source if needed (cargo is a no-op when fresh)."""
    subprocess.run(['cargo', 'build', '--release', '--quiet', '--manifest-path', APR_PACK_MANIFEST],
                   check=True, timeout=600)

    def inspect(path):
        done = subprocess.run([APR_PACK, 'inspect', path], capture_output=True, text=True, timeout=60)
        return (json.loads(done.stdout) if done.returncode == 0 else None), done.stderr.strip()

    return inspect


@pytest.fixture(scope='session')
def fixture_cases():
    with open(os.path.join(FIXTURES, 'cases.json')) as handle:
        return json.load(handle)['cases']


# --- the Dockerfile, read the way Docker reads it (enough of it for this file) ---------------------

DOCKERFILE = os.path.join(FUNCTION_DIR, 'Dockerfile')


def dockerfile_instructions(path=DOCKERFILE):
    """[(INSTRUCTION, arguments)] with comments dropped and backslash continuations joined."""
    instructions, pending = [], ''
    with open(path) as handle:
        for line in handle:
            stripped = line.strip()
            if not pending and (not stripped or stripped.startswith('#')):
                continue
            if stripped.endswith('\\'):
                pending += stripped[:-1] + ' '
                continue
            whole = (pending + stripped).strip()
            pending = ''
            keyword, _, arguments = whole.partition(' ')
            instructions.append((keyword.upper(), ' '.join(arguments.split())))
    assert not pending, 'Dockerfile ends inside a continued line'
    return instructions


@pytest.fixture(scope='session')
def task_root(tmp_path_factory):
    """A directory laid out as the image's ${LAMBDA_TASK_ROOT}: every COPY of the Dockerfile applied to
    the repository (the build context), then the Dockerfile's own export RUN step executed in it (with
    the local venv's python: this machine's torch instead of the image's)."""
    root = str(tmp_path_factory.mktemp('task-root'))
    for keyword, arguments in dockerfile_instructions():
        if keyword == 'COPY':
            *sources, destination = arguments.split()
            destination = destination.replace('${LAMBDA_TASK_ROOT}', root)
            for source in sources:
                target = os.path.join(destination, os.path.basename(source)) if destination.endswith('/') \
                    else destination
                shutil.copyfile(os.path.join(REPO, source), target)
        elif keyword == 'RUN' and 'export_model.py' in arguments:
            command = arguments.replace('${LAMBDA_TASK_ROOT}', root).split()
            assert command[0] == 'python3', command
            subprocess.run([VENV_PYTHON] + command[1:], check=True, cwd=root, timeout=300,
                           capture_output=True)
    return root
