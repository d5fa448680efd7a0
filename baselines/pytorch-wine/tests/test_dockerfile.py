"""What can be checked of the image without a Docker engine: base image, the torch version and CPU index,
every COPY source, the export step (run for real in a task-root copy), the handler named in CMD, and a
.dockerignore that admits exactly the copied files."""

import fnmatch
import importlib.util
import json
import os
import re
import subprocess

from conftest import DOCKERFILE, FUNCTION_DIR, REPO, VENV_PYTHON, dockerfile_instructions


def instructions_of(keyword):
    return [arguments for k, arguments in dockerfile_instructions() if k == keyword]


def copy_sources():
    sources = []
    for arguments in instructions_of('COPY'):
        sources += arguments.split()[:-1]
    return sources


def test_base_image_is_aws_python_311():
    assert instructions_of('FROM') == ['public.ecr.aws/lambda/python:3.11']


def test_torch_version_is_a_build_argument_installed_from_the_cpu_index():
    assert 'TORCH_VERSION=2.1.0' in instructions_of('ARG')
    installs = [a for a in instructions_of('RUN') if 'torch==' in a]
    assert len(installs) == 1
    assert '--index-url https://download.pytorch.org/whl/cpu "torch==${TORCH_VERSION}"' in installs[0]


def test_msgpack_matches_the_local_pin():
    arg = [a for a in instructions_of('ARG') if a.startswith('MSGPACK_VERSION=')]
    with open(os.path.join(FUNCTION_DIR, 'requirements-local.txt')) as handle:
        pinned = re.search(r'^msgpack==(\S+)$', handle.read(), re.M).group(1)
    assert arg == [f'MSGPACK_VERSION={pinned}']
    assert any('"msgpack==${MSGPACK_VERSION}"' in a for a in instructions_of('RUN'))


def test_every_copy_source_exists_in_the_build_context():
    sources = copy_sources()
    assert 'lambda-apr/model/wine.apr' in sources
    for source in sources:
        assert os.path.isfile(os.path.join(REPO, source)), source


def test_copied_code_is_every_module_the_function_imports():
    """The handler and the export import only the standard library, torch, msgpack and these modules."""
    copied = {os.path.basename(s)[:-3] for s in copy_sources() if s.endswith('.py')}
    local = {name[:-3] for name in os.listdir(FUNCTION_DIR) if name.endswith('.py')}
    for module in copied:
        with open(os.path.join(FUNCTION_DIR, module + '.py')) as handle:
            imported = set(re.findall(r'^\s*(?:from|import) (\w+)', handle.read(), re.M))
        assert imported & local <= copied, (module, imported & local - copied)


def test_cmd_names_the_handler():
    assert [json.loads(a) for a in instructions_of('CMD')] == [['lambda_function.lambda_handler']]
    with open(os.path.join(FUNCTION_DIR, 'lambda_function.py')) as handle:
        assert re.search(r'^def lambda_handler\(event, context\):', handle.read(), re.M)


def test_export_step_produces_a_model_the_handler_loads(task_root):
    assert os.path.isfile(os.path.join(task_root, 'model.pt'))
    reference = json.dumps({'fixed_acidity': 7.0, 'volatile_acidity': 0.3, 'citric_acid': 0.3,
                            'residual_sugar': 2.0, 'chlorides': 0.05, 'free_sulfur_dioxide': 30.0,
                            'total_sulfur_dioxide': 100.0, 'density': 0.995, 'pH': 3.3, 'sulphates': 0.6,
                            'alcohol': 10.5})
    script = ('import json, lambda_function as f; '
              f'print(json.dumps(f.lambda_handler({reference!r}.encode(), None)))')
    # Only the task root on the path, as in the image (cwd is the task root; -c puts it first).
    done = subprocess.run([VENV_PYTHON, '-c', script], cwd=task_root, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer['category'] == 'Average' and answer['runtime'] == 'pytorch'


def dockerignore_admits(path, patterns):
    """Docker's rule: the last pattern matching the path or one of its parent directories decides;
    `*` does not cross `/`."""
    parts = path.split('/')
    candidates = ['/'.join(parts[:i]) for i in range(1, len(parts) + 1)]
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith('!')
        body = pattern[1:] if negated else pattern
        regex = re.compile(fnmatch.translate(body).replace('.*', '[^/]*'))
        if any(regex.match(c) for c in candidates):
            excluded = not negated
    return not excluded


def test_dockerignore_admits_exactly_the_copied_files_and_the_dockerfile():
    with open(os.path.join(REPO, '.dockerignore')) as handle:
        patterns = [line.strip() for line in handle if line.strip() and not line.startswith('#')]
    tracked = subprocess.run(['git', 'ls-files', '--cached', '--others'], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.split()
    local = ['baselines/pytorch-wine/model.pt', 'baselines/pytorch-wine/.venv/bin/python',
             'baselines/pytorch-wine/__pycache__/wine_rules.cpython-311.pyc', 'node_modules/x/index.js']
    admitted = {path for path in tracked + local if dockerignore_admits(path, patterns)}
    dockerfile = os.path.relpath(DOCKERFILE, REPO)
    assert admitted == set(copy_sources()) | {dockerfile}
