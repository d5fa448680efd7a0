"""Builds the deployment package of a Python zip function of the ladder, as the managed Python runtime
unpacks it into /var/task: the handler's files, wine.apr, the packages of a requirements file, bytecode.

    python3 build_zip_function.py --out DIR --file SRC[=NAME] ... [--requirements FILE] [--platform TAG]

writes DIR/package/ (what the zip holds; the local service runs the function there) and DIR/function.zip,
and prints a JSON summary (also written to DIR/build-info.json): files, installed bytes, zip bytes.

- Packages: `pip install --platform TAG --only-binary=:all: --python-version 3.11 --implementation cp
  --target` (wheels built for Lambda's platform, no Docker, no compiler; manylinux2014 = glibc 2.17, which
  the python3.11 runtime's Amazon Linux 2 (glibc 2.26) satisfies).
- Bytecode: every .py is compiled in `unchecked-hash` mode (PEP 552), so the interpreter uses the .pyc
  whatever timestamps the unpacked files carry. /var/task is read-only on Lambda: a module without a
  usable .pyc is compiled from source in memory at every cold start.
- Reproducible: files carry a fixed time and the zip no extra attributes, so the same inputs give the
  same zip bytes.
"""

import argparse
import compileall
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

PYTHON_VERSION = '3.11'
# Where Lambda unpacks a zip function.
LAMBDA_TASK_ROOT = '/var/task'
# 1980-01-01T00:00:00Z, the earliest time a zip entry can carry.
FIXED_TIME = 315532800


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', required=True, help='output directory (package/, function.zip, build-info.json)')
    parser.add_argument('--file', action='append', default=[], metavar='SRC[=NAME]',
                        help='a file copied into the package root (as NAME when given)')
    parser.add_argument('--requirements', help='a pinned requirements file installed into the package')
    parser.add_argument('--platform', default='manylinux2014_x86_64', help='wheel platform tag (default %(default)s)')
    parser.add_argument('--pip-python', default=sys.executable, help='the Python whose pip downloads the wheels')
    return parser.parse_args(argv)


def copy_files(specs, package):
    for spec in specs:
        source, _, name = spec.partition('=')
        if not os.path.isfile(source):
            raise SystemExit(f'build_zip_function: {source} is not a file')
        shutil.copyfile(source, os.path.join(package, name or os.path.basename(source)))


def install_requirements(requirements, platform, pip_python, package):
    subprocess.run([pip_python, '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '--root-user-action=ignore',
                    '--only-binary=:all:', '--platform', platform, '--python-version', PYTHON_VERSION,
                    '--implementation', 'cp', '--no-compile', '--target', package, '-r', requirements], check=True)
    # pip's console scripts (bin/) are not importable and not runnable on Lambda.
    shutil.rmtree(os.path.join(package, 'bin'), ignore_errors=True)


def compile_bytecode(package):
    # ddir: the path tracebacks show, /var/task as on Lambda, instead of this build's staging folder (which
    # would also make every build's bytecode differ).
    ok = compileall.compile_dir(package, ddir=LAMBDA_TASK_ROOT, quiet=2, workers=1, legacy=False,
                                invalidation_mode=compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH)
    if not ok:
        raise SystemExit(f'build_zip_function: compiling the bytecode of {package} failed')


def all_files(package):
    for directory, subdirectories, files in os.walk(package):
        subdirectories.sort()
        for name in sorted(files):
            yield os.path.join(directory, name)


def write_zip(package, zip_path):
    temporary = zip_path + '.partial'
    with zipfile.ZipFile(temporary, 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in all_files(package):
            info = zipfile.ZipInfo(os.path.relpath(path, package), date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if os.access(path, os.X_OK) else 0o100644) << 16
            with open(path, 'rb') as handle:
                archive.writestr(info, handle.read(), compresslevel=9)
    os.replace(temporary, zip_path)


def main(argv):
    args = parse_args(argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    staging = tempfile.mkdtemp(prefix='.package-', dir=out)
    try:
        copy_files(args.file, staging)
        if args.requirements:
            install_requirements(args.requirements, args.platform, args.pip_python, staging)
        compile_bytecode(staging)
        for path in all_files(staging):
            os.utime(path, (FIXED_TIME, FIXED_TIME))
        package = os.path.join(out, 'package')
        shutil.rmtree(package, ignore_errors=True)
        os.replace(staging, package)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    zip_path = os.path.join(out, 'function.zip')
    write_zip(package, zip_path)
    with open(zip_path, 'rb') as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    files = list(all_files(package))
    info = {
        'platform': args.platform,
        'pythonVersion': PYTHON_VERSION,
        'requirements': os.path.basename(args.requirements) if args.requirements else None,
        'files': len(files),
        'installedBytes': sum(os.path.getsize(path) for path in files),
        'zip': {'path': 'function.zip', 'bytes': os.path.getsize(zip_path), 'sha256': digest},
    }
    with open(os.path.join(out, 'build-info.json'), 'w') as handle:
        json.dump(info, handle, indent=2)
        handle.write('\n')
    print(json.dumps(info))


if __name__ == '__main__':
    main(sys.argv[1:])
