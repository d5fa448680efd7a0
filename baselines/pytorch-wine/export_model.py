"""Converts wine.apr into model.pt (see wine_checkpoint.py for what the file holds).

Runs at image build time (Dockerfile) and locally (`npm run build:pytorch`):
    python export_model.py --apr wine.apr --out model.pt

The weights are copied bit for bit: the file is reloaded and compared with the `.apr` values before it
replaces any previous model.pt (written to a temporary file in the same directory, then renamed).
"""

import argparse
import os
import sys
import tempfile

import torch

from apr_reader import read_apr
from wine_checkpoint import checkpoint_from_apr, load_checkpoint
from wine_rules import FEATURE_NAMES


def export(apr_path: str, out_path: str) -> dict:
    with open(apr_path, 'rb') as handle:
        apr_bytes = handle.read()
    model = read_apr(apr_bytes, expected_feature_names=FEATURE_NAMES)
    checkpoint = checkpoint_from_apr(model, apr_bytes)

    directory = os.path.dirname(os.path.abspath(out_path))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix='.' + os.path.basename(out_path) + '.')
    os.close(fd)
    try:
        # mkstemp creates the file readable by its owner only; Lambda runs the function as another user
        # than the one that built the image, so the model must be world-readable like the code.
        os.chmod(temporary, 0o644)
        torch.save(checkpoint, temporary)
        linear, saved = load_checkpoint(temporary)
        weights = linear.weight.detach()[0].tolist()
        bias = linear.bias.detach()[0].item()
        if weights != model.coefficients or bias != model.intercept:
            raise RuntimeError(f'{temporary}: reloaded weights differ from {apr_path}')
        for key in ('feature_means', 'feature_mins', 'feature_maxs'):
            if saved[key] != getattr(model.statistics, key):
                raise RuntimeError(f'{temporary}: reloaded {key} differ from {apr_path}')
        os.replace(temporary, out_path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return checkpoint


def main(argv) -> int:
    parser = argparse.ArgumentParser(description='Convert the wine model from .apr to a PyTorch checkpoint.')
    parser.add_argument('--apr', required=True, help='the .apr v1 file (lambda-apr/model/wine.apr)')
    parser.add_argument('--out', required=True, help='where to write model.pt')
    args = parser.parse_args(argv)
    checkpoint = export(args.apr, args.out)
    print(f"export_model: wrote {args.out} ({os.path.getsize(args.out)} bytes) from {args.apr} "
          f"(crc32 {checkpoint['source']['crc32']}) with torch {torch.__version__}")
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
