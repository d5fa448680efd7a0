"""What the Python functions of the ladder (python, numpy, onnx) share: the handler around the contract's
rules, with the model's prediction supplied by each function.

- awslambdaric's two replacements (events as raw bytes, error bodies as the contract gives them) are
  baselines/pytorch-wine/runtime_hooks.py's, shared with the PyTorch function and copied in by the builds.
- Answers are decided by wine_rules (the project's contract as pure functions) and carry `runtime`,
  `inference_us` (handler entry to answer) and `model_load_us` (reading the model at init).
"""

import time
from typing import Callable

import wine_rules
from runtime_hooks import install_runtime_hooks  # noqa: F401  (the handlers call it through this module)


class WineFunction:
    """The Lambda handler: `load()` runs once, at init (timed); each call decides one event."""

    def __init__(self, runtime: str, load: Callable[[], wine_rules.WineModel]):
        self.runtime = runtime
        started = time.perf_counter_ns()
        self.model = load()
        self.model_load_us = (time.perf_counter_ns() - started) / 1000

    def __call__(self, event, context):
        started = time.perf_counter_ns()
        outcome = wine_rules.evaluate(event, self.model)
        extra = {
            'runtime': self.runtime,
            'inference_us': round((time.perf_counter_ns() - started) / 1000, 3),
            'model_load_us': round(self.model_load_us, 3),
        }
        return wine_rules.render(outcome, extra)
