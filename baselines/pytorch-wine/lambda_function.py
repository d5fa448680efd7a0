"""The PyTorch wine-quality function: a thin handler over wine_rules with an nn.Linear loaded from model.pt.

Init (module import) loads model.pt next to this file and records how long that took (`model_load_us`;
`import torch` itself is not included, it is logged separately). Each invocation is decided by
wine_rules.evaluate and shaped by wine_rules.render.

Events reach the handler as the raw bytes the Runtime API delivered: awslambdaric's own JSON decoding
(simplejson) accepts NaN and Infinity and turns 1e400 into infinity, which the contract rejects, and it
reports undecodable events as `Runtime.UnmarshalError` instead of `InvalidInput`. awslambdaric lets a
function replace its marshaller (a documented class attribute of its runtime client); this module does
so at import, before the first event, and parses events itself with the contract's rules. Both this and
the contract's error bodies are runtime_hooks.py's, shared with the ladder's Python functions.
"""

import os
import time

_import_started = time.perf_counter_ns()
import torch  # noqa: E402  (timed on purpose)
_import_us = (time.perf_counter_ns() - _import_started) / 1000

import wine_rules  # noqa: E402
from runtime_hooks import install_contract_error_bodies, install_raw_event_marshaller  # noqa: E402
from wine_checkpoint import load_checkpoint, wine_model  # noqa: E402

MODEL_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'model.pt')
# The exception type the runtime client names in errorType; defined with the rules.
InvalidInput = wine_rules.InvalidInput


def _load():
    started = time.perf_counter_ns()
    linear, checkpoint = load_checkpoint(MODEL_PATH)
    model = wine_model(linear, checkpoint)
    return model, (time.perf_counter_ns() - started) / 1000


EVENT_DECODING = install_raw_event_marshaller()
ERROR_BODIES = install_contract_error_bodies()
MODEL, MODEL_LOAD_US = _load()
TORCH_VERSION = torch.__version__
print(f'wine model: torch {TORCH_VERSION}, import torch {_import_us:.0f} us, model.pt loaded in '
      f'{MODEL_LOAD_US:.0f} us; {EVENT_DECODING}; {ERROR_BODIES}', flush=True)


def lambda_handler(event, context):
    started = time.perf_counter_ns()
    outcome = wine_rules.evaluate(event, MODEL)
    extra = {
        'runtime': 'pytorch',
        'inference_us': round((time.perf_counter_ns() - started) / 1000, 3),
        'model_load_us': round(MODEL_LOAD_US, 3),
        'torch_version': TORCH_VERSION,
    }
    return wine_rules.render(outcome, extra)
