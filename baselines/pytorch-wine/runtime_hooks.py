"""The two replacements every Python function of this project makes in awslambdaric, AWS's Python runtime
interface client (the one the managed Python runtime and the Python base images run):

- Events reach the handler as the bytes the Runtime API delivered. awslambdaric's own JSON decoding
  (simplejson) accepts NaN and Infinity and turns 1e400 into infinity, which the contract rejects, and it
  reports undecodable events as `Runtime.UnmarshalError` instead of `InvalidInput`. awslambdaric lets a
  function replace its marshaller (a class attribute of its runtime client).
- Invocation errors are posted as docs/CONTRACT.md gives them, `{"errorMessage", "errorType", "stackTrace": []}`,
  not with the Python traceback (host paths) and the request id awslambdaric adds; the traceback still
  reaches the log.

Used by the PyTorch function (lambda_function.py) and the ladder's Python functions
(baselines/python-wine/wine_lambda.py), whose builds copy this file beside their handler.
"""

import json


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


def install_contract_error_bodies() -> str:
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


def install_runtime_hooks() -> str:
    """Both replacements above; returns what was done, for the init log."""
    return f'{install_raw_event_marshaller()}; {install_contract_error_bodies()}'
