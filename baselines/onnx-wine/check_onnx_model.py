"""Checks the built onnx function's model against the .apr function: runs model.onnx with the package's own
onnxruntime on the reference payload, on it with each feature in turn at -1e6 and at 1e6 (where the order of
float32 operations shows), and on every red wine of the data set, and compares each quality with
the answer of the .apr function's binary (`bootstrap --event`) for the same wine.

    .venv/bin/python check_onnx_model.py --package build/package --bootstrap lambda-apr/dist/bootstrap --red data/wine/winequality-red.csv

Exits 1 naming the first wine whose quality differs by more than the contract's 1e-4.
"""

import argparse
import csv
import json
import struct
import subprocess
import sys

QUALITY_TOLERANCE = 1e-4
FEATURE_NAMES = ('fixed_acidity', 'volatile_acidity', 'citric_acid', 'residual_sugar', 'chlorides',
                 'free_sulfur_dioxide', 'total_sulfur_dioxide', 'density', 'pH', 'sulphates', 'alcohol')
REFERENCE = [7.0, 0.3, 0.3, 2.0, 0.05, 30.0, 100.0, 0.995, 3.3, 0.6, 10.5]


def red_wines(path):
    with open(path, newline='') as handle:
        rows = list(csv.reader(handle, delimiter=';'))
    return [[float(v) for v in row[:len(FEATURE_NAMES)]] for row in rows[1:]]


def apr_quality(bootstrap, values):
    """The .apr function's float32 quality. Its JSON carries the shortest decimal that reads back as that
    float32 (-24984.93 for -24984.9296875), so the number is read back as a float32 here."""
    event = json.dumps(dict(zip(FEATURE_NAMES, values)))
    done = subprocess.run([bootstrap, '--event', event], capture_output=True, text=True, check=True)
    return struct.unpack('<f', struct.pack('<f', json.loads(done.stdout)['quality']))[0]


def main():
    parser = argparse.ArgumentParser(description='Compare model.onnx with the .apr function on the red wines')
    parser.add_argument('--package', required=True, help="the onnx function's build/package")
    parser.add_argument('--bootstrap', required=True, help="the .apr function's binary")
    parser.add_argument('--red', required=True, help='winequality-red.csv')
    args = parser.parse_args()
    sys.path.insert(0, args.package)
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(f'{args.package}/model.onnx', providers=['CPUExecutionProvider'])
    far = [REFERENCE[:i] + [sign * 1e6] + REFERENCE[i + 1:] for sign in (-1, 1) for i in range(len(REFERENCE))]
    wines = [REFERENCE] + far + red_wines(args.red)
    onnx_qualities = session.run(None, {'features': np.array(wines, dtype=np.float32)})[0][:, 0].tolist()
    largest = 0.0
    for index, (values, quality) in enumerate(zip(wines, onnx_qualities)):
        expected = apr_quality(args.bootstrap, values)
        difference = abs(quality - expected)
        largest = max(largest, difference)
        if not difference <= QUALITY_TOLERANCE:
            name = f'input {values}'
            raise SystemExit(f'check_onnx_model: {name}: model.onnx says {quality}, the .apr function {expected}')
    print(f'check_onnx_model: {len(wines)} wines, onnxruntime {ort.__version__}: largest |quality difference| '
          f'against the .apr function {largest}')


if __name__ == '__main__':
    main()
