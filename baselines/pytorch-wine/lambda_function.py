"""The PyTorch wine-quality function: a thin handler over wine_rules with an nn.Linear loaded from model.pt.

Init (module import) loads model.pt next to this file and records how long that took (`model_load_us`;
`import torch` itself is not included, it is logged separately). Each invocation is decided by
wine_rules.evaluate and shaped by wine_rules.render.

Events reach the handler as the raw bytes the Runtime API delivered: awslambdaric's own JSON decoding
(simplejson) accepts NaN and Infinity and turns 1e400 into infinity, which the contract rejects, and it
reports undecodable events as `Runtime.UnmarshalError` instead of `InvalidInput`. awslambdaric lets a
function replace its marshaller (a documented class attribute of its runtime client); this module does
so at import, before the first event, and parses events itself with the contract's rules.
"""

import json
import os
import time

_import_started = time.perf_counter_ns()
import torch  # noqa: E402  (timed on purpose)
_import_us = (time.perf_counter_ns() - _import_started) / 1000

import wine_rules  # noqa: E402
from wine_checkpoint import load_checkpoint, wine_model  # noqa: E402

MODEL_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'model.pt')
# The exception type the runtime client names in errorType; defined with the rules.
InvalidInput = wine_rules.InvalidInput


def _install_raw_event_marshaller() -> str:
    """Makes awslambdaric hand the handler the event's bytes; returns what was done, for the init log."""
    try:
        from awslambdaric import lambda_runtime_client
        from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller
    except ImportError:
        return 'awslambdaric not importable: events arrive decoded by whatever runtime client is in use'

    class RawEventMarshaller(LambdaMarshaller):
        """Responses as awslambdaric encodes them; events left undecoded for wine_rules."""

        def unmarshal_request(self, request, content_type='application/json'):
            return request.encode('utf-8') if isinstance(request, str) else bytes(request or b'')

    marshaller = RawEventMarshaller()
    # BaseLambdaRuntimeClient since awslambdaric 4; LambdaRuntimeClient holds it in older versions.
    patched = [name for name in ('BaseLambdaRuntimeClient', 'LambdaRuntimeClient')
               if hasattr(lambda_runtime_client, name)]
    for name in patched:
        setattr(getattr(lambda_runtime_client, name), 'marshaller', marshaller)
    return 'events parsed by wine_rules (awslambdaric marshaller replaced on ' + ', '.join(patched) + ')'


def contract_error_body(error_response_data) -> str:
    """An invocation error body as docs/CONTRACT.md gives it: `{"errorMessage", "errorType", "stackTrace": []}`.

    awslambdaric builds its own body (bootstrap.make_error): the Python traceback as `stackTrace`, with the
    host's file paths, and the invocation's `requestId`. Neither belongs in an answer to the caller; the
    traceback still reaches the function's log, where awslambdaric writes it before posting."""
    try:
        body = json.loads(error_response_data)
    except (TypeError, ValueError):
        return error_response_data
    if not isinstance(body, dict):
        return error_response_data
    return json.dumps({'errorMessage': body.get('errorMessage', ''), 'errorType': body.get('errorType', ''),
                       'stackTrace': []})


def _install_contract_error_bodies() -> str:
    """Makes awslambdaric post contract error bodies (see contract_error_body); returns what was done."""
    try:
        from awslambdaric import lambda_runtime_client
    except ImportError:
        return 'error bodies as the runtime client builds them'
    patched = []
    for name in ('BaseLambdaRuntimeClient', 'LambdaRuntimeClient'):
        cls = getattr(lambda_runtime_client, name, None)
        original = getattr(cls, 'post_invocation_error', None) if cls is not None else None
        if original is None or getattr(original, 'contract_bodies', False) or 'post_invocation_error' not in vars(cls):
            continue

        def post_invocation_error(self, invoke_id, error_response_data, *args, _original=original, **kwargs):
            return _original(self, invoke_id, contract_error_body(error_response_data), *args, **kwargs)

        post_invocation_error.contract_bodies = True
        cls.post_invocation_error = post_invocation_error
        patched.append(name)
    return 'contract error bodies (' + ', '.join(patched) + ')' if patched else 'error bodies as the runtime client builds them'


def _load():
    started = time.perf_counter_ns()
    linear, checkpoint = load_checkpoint(MODEL_PATH)
    model = wine_model(linear, checkpoint)
    return model, (time.perf_counter_ns() - started) / 1000


EVENT_DECODING = _install_raw_event_marshaller()
ERROR_BODIES = _install_contract_error_bodies()
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
