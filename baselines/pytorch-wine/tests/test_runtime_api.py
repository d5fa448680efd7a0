"""The function as the image starts it: `python -m awslambdaric lambda_function.lambda_handler` in a
task root laid out by the Dockerfile, talking to a Runtime API served here on 127.0.0.1. Proves that
awslambdaric hands events through unparsed (NaN is refused with InvalidInput, not read as a float) and
that errors carry the contract's errorType and message."""

import json
import os
import queue
import signal
import subprocess
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import REFERENCE_PAYLOAD, VENV_PYTHON

PREFIX = '/2018-06-01/runtime'


class RuntimeApi:
    """The Runtime API's invocation endpoints, enough for one process."""

    def __init__(self):
        self.events = queue.Queue()
        self.results = {}
        self.init_errors = []
        self.done = threading.Condition()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path != PREFIX + '/invocation/next':
                    return self.answer(404, b'{}')
                request_id, body = api.events.get()
                self.send_response(200)
                for name, value in (('Lambda-Runtime-Aws-Request-Id', request_id),
                                    ('Lambda-Runtime-Deadline-Ms', '9999999999999'),
                                    ('Lambda-Runtime-Invoked-Function-Arn', 'arn:aws:lambda:us-east-1:000000000000:function:pytorch'),
                                    ('Lambda-Runtime-Trace-Id', 'Root=1-00000000-000000000000000000000000'),
                                    ('Content-Type', 'application/json'), ('Content-Length', str(len(body)))):
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                if self.path == PREFIX + '/init/error':
                    api.init_errors.append(body)
                else:
                    _, request_id, kind = self.path[len(PREFIX):].strip('/').split('/')
                    with api.done:
                        api.results[request_id] = (kind, json.loads(body))
                        api.done.notify_all()
                self.answer(202, b'{"status":"OK"}')

            def answer(self, status, body):
                self.send_response(status)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self):
        return f'127.0.0.1:{self.server.server_address[1]}'

    def invoke(self, body: bytes, timeout=30):
        request_id = str(uuid.uuid4())
        self.events.put((request_id, body))
        with self.done:
            if not self.done.wait_for(lambda: request_id in self.results, timeout):
                raise TimeoutError(f'no result for {body[:60]!r} within {timeout} s')
            return self.results[request_id]


@pytest.fixture(scope='module')
def function(task_root):
    api = RuntimeApi()
    environment = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'AWS_LAMBDA_RUNTIME_API': api.address,
                   'LAMBDA_TASK_ROOT': task_root, '_HANDLER': 'lambda_function.lambda_handler',
                   'AWS_REGION': 'us-east-1', 'AWS_LAMBDA_FUNCTION_NAME': 'pytorch', 'PYTHONUNBUFFERED': '1'}
    process = subprocess.Popen([VENV_PYTHON, '-m', 'awslambdaric', 'lambda_function.lambda_handler'],
                               cwd=task_root, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield api
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        api.server.shutdown()
        api.server.server_close()
        log = process.stdout.read().decode(errors='replace')
        process.stdout.close()
        assert 'wine model: torch ' in log, log


def test_reference_payload_through_the_runtime_api(function):
    kind, answer = function.invoke(json.dumps(REFERENCE_PAYLOAD).encode(), timeout=60)
    assert kind == 'response', answer
    assert answer['category'] == 'Average' and answer['runtime'] == 'pytorch'
    assert answer['top_factors'] == ['volatile_acidity', 'total_sulfur_dioxide', 'chlorides']
    assert answer['inference_us'] > 0 and answer['model_load_us'] > 0
    assert answer['torch_version']
    assert function.init_errors == []


@pytest.mark.parametrize('body, message', [
    (b'{"fixed_acidity": NaN}', 'request body is not valid JSON: NaN is not a JSON value'),
    (b'{"a": 1e400}', 'request body is not valid JSON: number out of range: 1e400'),
    (b'not json', None),
    (b'[1, 2]', 'request must be a JSON object, got array'),
    (json.dumps(dict(REFERENCE_PAYLOAD, ph=3.3)).encode(), "fields 'pH' and 'ph' are both present; send one"),
    (json.dumps(dict(REFERENCE_PAYLOAD, alcohol=1e39)).encode(),
     "field 'alcohol' must be a finite number within float32 range"),
    (json.dumps(dict(REFERENCE_PAYLOAD, alcohol=123456789)).encode().replace(b'123456789', b'1e400'),
     "field 'alcohol' must be a finite number within float32 range"),
])
def test_failures_are_invalid_input_errors(function, body, message):
    kind, error = function.invoke(body)
    assert kind == 'error'
    assert error['errorType'] == 'InvalidInput'
    if message is None:
        assert error['errorMessage'].startswith('request body is not valid JSON: ')
    else:
        assert error['errorMessage'] == message


def test_error_bodies_are_the_contracts_without_trace_paths_or_request_id(function):
    """docs/CONTRACT.md: {"errorMessage", "errorType", "stackTrace": []}; awslambdaric's own body would carry
    the traceback with this machine's file paths and the request id."""
    for body in (b'[1]', json.dumps(dict(REFERENCE_PAYLOAD, alcohol='x')).encode()):
        kind, error = function.invoke(body)
        assert kind == 'error'
        assert set(error) == {'errorMessage', 'errorType', 'stackTrace'}
        assert error['stackTrace'] == []
        assert error['errorType'] == 'InvalidInput'
        assert os.path.sep + 'pytorch-wine' not in json.dumps(error)


def test_proxy_failure_is_a_400_response(function):
    kind, answer = function.invoke(json.dumps({'body': '{"fixed_acidity": NaN}'}).encode())
    assert kind == 'response' and answer['statusCode'] == 400
    assert json.loads(answer['body']) == {'errorType': 'InvalidInput',
                                          'errorMessage': 'request body is not valid JSON: NaN is not a JSON value'}


def test_process_keeps_serving_after_errors(function):
    for _ in range(3):
        assert function.invoke(b'{}')[0] == 'error'
    assert function.invoke(json.dumps(REFERENCE_PAYLOAD).encode())[0] == 'response'
