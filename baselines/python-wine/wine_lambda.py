"""What the Python functions of the ladder (python, numpy, onnx) share: the handler around the contract's
rules, with the model's prediction supplied by each function.

- Events reach the handler as the bytes the Runtime API delivered. awslambdaric would otherwise decode
  them with simplejson, which accepts NaN and Infinity and turns 1e400 into infinity (the contract rejects
  all three as not JSON), and would answer undecodable events as `Runtime.UnmarshalError`. awslambdaric
  lets a function replace its marshaller (a class attribute of its runtime client); this is the same
  replacement baselines/pytorch-wine/lambda_function.py makes, for the same reasons (see its README).
- Invocation errors are posted as docs/CONTRACT.md gives them, `{"errorMessage", "errorType", "stackTrace": []}`,
  not with the Python traceback (host paths) and request id awslambdaric adds; the same replacement
  baselines/pytorch-wine/lambda_function.py makes (its `contract_error_body`). The traceback still reaches
  the log.
- Answers are decided by wine_rules (the project's contract as pure functions) and carry `runtime`,
  `inference_us` (handler entry to answer) and `model_load_us` (reading the model at init).
"""

import json
import time
from typing import Callable

import wine_rules


def install_raw_event_marshaller() -> str:
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
    """The body awslambdaric built, reduced to the contract's `{"errorMessage", "errorType", "stackTrace": []}`."""
    try:
        body = json.loads(error_response_data)
    except (TypeError, ValueError):
        return error_response_data
    if not isinstance(body, dict):
        return error_response_data
    return json.dumps({'errorMessage': body.get('errorMessage', ''), 'errorType': body.get('errorType', ''),
                       'stackTrace': []})


def install_contract_error_bodies() -> str:
    """Makes awslambdaric post contract error bodies; returns what was done, for the init log."""
    try:
        from awslambdaric import lambda_runtime_client
    except ImportError:
        return 'error bodies as the runtime client builds them'
    patched = []
    for name in ('BaseLambdaRuntimeClient', 'LambdaRuntimeClient'):
        cls = getattr(lambda_runtime_client, name, None)
        original = vars(cls).get('post_invocation_error') if cls is not None else None
        if original is None or getattr(original, 'contract_bodies', False):
            continue

        def post_invocation_error(self, invoke_id, error_response_data, *args, _original=original, **kwargs):
            return _original(self, invoke_id, contract_error_body(error_response_data), *args, **kwargs)

        post_invocation_error.contract_bodies = True
        cls.post_invocation_error = post_invocation_error
        patched.append(name)
    return 'contract error bodies (' + ', '.join(patched) + ')' if patched else 'error bodies as the runtime client builds them'


def install_runtime_hooks() -> str:
    """Both replacements above; returns what was done, for the init log."""
    return f'{install_raw_event_marshaller()}; {install_contract_error_bodies()}'


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
