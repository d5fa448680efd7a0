"""model.pt: the wine model as a PyTorch checkpoint, built from the `.apr` file and loaded by the function.

The file is what `torch.save` writes for a plain dict, the form PyTorch's documentation recommends for
models (a state_dict) plus what the function needs beside the weights:

    {
      'format': 'wine-quality-linear/1',
      'state_dict': {'weight': float32 tensor [1, 11], 'bias': float32 tensor [1]},   # nn.Linear(11, 1)
      'feature_names': [11 str],
      'feature_means' / 'feature_mins' / 'feature_maxs': float64 tensors [11],
      'source': {'file', 'crc32', 'model_name', 'aprender_version', 'created_at'},
    }

It holds only tensors and plain Python values, so it loads with `torch.load(weights_only=True)`:
no pickled classes, no code runs while loading, and the same file reads on torch 1.13 and 2.x.
(The statistics are float64 tensors rather than Python floats because torch 1.13's weights-only loader
does not accept pickled floats.)
"""

import zlib
from typing import Dict, List, Tuple

import torch
from torch import nn

from apr_reader import AprModel
from wine_rules import FEATURE_NAMES, WineModel

FORMAT = 'wine-quality-linear/1'
STATISTICS = ('feature_means', 'feature_mins', 'feature_maxs')


class CheckpointError(ValueError):
    """model.pt is not what export_model.py writes."""


def build_linear(coefficients: List[float], intercept: float) -> nn.Linear:
    """nn.Linear(11, 1) holding exactly these float32 values (copied, not re-rounded: they already are float32)."""
    linear = nn.Linear(len(FEATURE_NAMES), 1)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([coefficients], dtype=torch.float32))
        linear.bias.copy_(torch.tensor([intercept], dtype=torch.float32))
    linear.eval()
    return linear


def checkpoint_from_apr(model: AprModel, apr_bytes: bytes) -> Dict:
    linear = build_linear(model.coefficients, model.intercept)
    stats = model.statistics
    return {
        'format': FORMAT,
        'state_dict': linear.state_dict(),
        'feature_names': list(stats.feature_names),
        'feature_means': torch.tensor(stats.feature_means, dtype=torch.float64),
        'feature_mins': torch.tensor(stats.feature_mins, dtype=torch.float64),
        'feature_maxs': torch.tensor(stats.feature_maxs, dtype=torch.float64),
        'source': {
            'file': 'wine.apr',
            'crc32': f'{zlib.crc32(apr_bytes[:-4]):08x}',
            'model_name': str(model.metadata.get('model_name')),
            'aprender_version': model.metadata['aprender_version'],
            'created_at': model.metadata['created_at'],
        },
    }


def load_checkpoint(path: str) -> Tuple[nn.Linear, Dict]:
    """Loads model.pt and checks its shape; returns the nn.Linear (eval mode) and the checkpoint, with
    the statistics as lists of Python floats."""
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    if not isinstance(checkpoint, dict) or checkpoint.get('format') != FORMAT:
        raise CheckpointError(f'{path}: not a {FORMAT} checkpoint (run export_model.py)')
    if checkpoint.get('feature_names') != list(FEATURE_NAMES):
        raise CheckpointError(f"{path}: feature_names {checkpoint.get('feature_names')!r} are not the "
                              f'contract\'s {list(FEATURE_NAMES)!r}')
    for key in STATISTICS:
        values = checkpoint.get(key)
        if not (isinstance(values, torch.Tensor) and values.dtype == torch.float64
                and tuple(values.shape) == (len(FEATURE_NAMES),)):
            raise CheckpointError(f'{path}: {key} must be a float64 tensor of {len(FEATURE_NAMES)} values')
        checkpoint[key] = values.tolist()
    linear = nn.Linear(len(FEATURE_NAMES), 1)
    linear.load_state_dict(checkpoint['state_dict'])  # strict: exactly weight [1, 11] and bias [1]
    linear.eval()
    return linear, checkpoint


def wine_model(linear: nn.Linear, checkpoint: Dict) -> WineModel:
    """The rules' view of the model: float32 prediction by the nn.Linear, statistics in float64."""

    def predict(values: List[float]) -> float:
        with torch.inference_mode():
            return linear(torch.tensor([values], dtype=torch.float32))[0, 0].item()

    return WineModel(
        coefficients=linear.weight.detach()[0].tolist(),
        feature_means=checkpoint['feature_means'],
        feature_mins=checkpoint['feature_mins'],
        feature_maxs=checkpoint['feature_maxs'],
        predict=predict,
    )
