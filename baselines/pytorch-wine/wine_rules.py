"""The request/response contract of the wine-quality function (docs/CONTRACT.md), as pure functions.

No clock, no I/O, no torch: the handler measures time and runs the model; everything the contract
decides (what is a valid request, which message a bad one gets, category, confidence, top factors,
the proxy envelope) is here, where tests call it directly. The Rust function implements the same
rules; the parity test holds the two to identical answers and messages.
"""

import base64
import json
import math
import re
import struct
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

FEATURE_NAMES = (
    'fixed_acidity', 'volatile_acidity', 'citric_acid', 'residual_sugar', 'chlorides',
    'free_sulfur_dioxide', 'total_sulfur_dioxide', 'density', 'pH', 'sulphates', 'alcohol',
)
PH_INDEX = FEATURE_NAMES.index('pH')
MAX_REQUEST_BYTES = 6_291_456
# serde_json, which parses requests on the Rust side, refuses a 128th level of nested arrays/objects.
MAX_NESTING_DEPTH = 127
JSON_HEADERS = {'content-type': 'application/json'}


class InvalidInput(Exception):
    """A request the contract rejects. awslambdaric reports the class name as errorType, so the name
    is part of the contract: `InvalidInput`."""


@dataclass(frozen=True)
class WineModel:
    """What the rules need of the model. `predict` takes the 11 inputs as float32 values (Python floats
    holding float32 values exactly) and returns the float32 prediction."""
    coefficients: Sequence[float]
    feature_means: Sequence[float]
    feature_mins: Sequence[float]
    feature_maxs: Sequence[float]
    predict: Callable[[List[float]], float]


@dataclass(frozen=True)
class Outcome:
    """The decision on one event: an answer, or the message of an InvalidInput."""
    proxy: bool
    answer: Optional[Dict[str, Any]] = None
    error: Optional[str] = None


def kind_of(value: Any) -> str:
    """The JSON kind of a decoded value, as the contract's messages name it."""
    if value is None:
        return 'null'
    if isinstance(value, bool):  # before int: bool is a subclass of int in Python
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, list):
        return 'array'
    if isinstance(value, dict):
        return 'object'
    return type(value).__name__


# ---------------------------------------------------------------------------------------------------
# JSON, as strict as RFC 8259 and the Rust side's parser: no NaN/Infinity literals, no numbers beyond
# float64 range, no unpaired UTF-16 surrogate escapes, at most 127 levels of nesting, UTF-8 only.

class _NotJson(ValueError):
    pass


def _reject_constant(name: str):
    raise _NotJson(f'{name} is not a JSON value')


class _OutOfRange(float):
    """A number beyond float64 range, read as the infinity of its sign. docs/CONTRACT.md: as the final value
    of a feature field it is that field's failure ("must be a finite number within float32 range", which
    the feature checks give any infinity); anywhere else it is a JSON error, with this message."""

    def __new__(cls, text: str, message: str):
        value = super().__new__(cls, '-inf' if text.startswith('-') else 'inf')
        value.message = message
        return value


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        return _OutOfRange(text, f'number out of range: {text}')
    return value


def _parse_int(text: str):
    digits = len(text) - (text[0] == '-')
    # float64 holds at most 309 integer digits; checking the length first also keeps Python's
    # int-from-string digit limit from turning a long literal into some other error.
    if digits > 309:
        return _OutOfRange(text, f'number out of range: {text[:20]}... ({digits} digits)')
    value = int(text)
    try:
        float(value)
    except OverflowError:
        return _OutOfRange(text, f'number out of range: {text[:20]}...')
    return value


_FEATURE_FIELDS = frozenset(FEATURE_NAMES) | {'ph'}


def _check_out_of_range(value: Any, created: List[_OutOfRange]) -> None:
    """Every out-of-range number must be the final value of a top-level feature field (see _OutOfRange);
    one elsewhere, or one a later duplicate key replaced, is a JSON error, as the Rust side's parser says."""
    if not created:
        return
    allowed = [v for k, v in value.items() if k in _FEATURE_FIELDS and isinstance(v, _OutOfRange)] \
        if isinstance(value, dict) else []
    for number in created:
        if not any(number is a for a in allowed):
            raise _NotJson(number.message)


def _check_structure(value: Any) -> None:
    """Depth and lone surrogates, which Python's json accepts; iterative, so deep input cannot overflow."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_string(item)
        elif isinstance(item, (list, dict)):
            if depth > MAX_NESTING_DEPTH:
                raise _NotJson(f'nesting deeper than {MAX_NESTING_DEPTH} levels')
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_string(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


_SURROGATE = re.compile('[\ud800-\udfff]')


def _check_string(text: str) -> None:
    # Raw text arrives as UTF-8, which cannot encode surrogates: any surrogate left after decoding
    # came from a \\uXXXX escape without its partner.
    if _SURROGATE.search(text):
        raise _NotJson('unpaired UTF-16 surrogate in a \\u escape')


def parse_json(raw: bytes) -> Any:
    """Size check, then strict JSON. Raises InvalidInput with the contract's messages."""
    if len(raw) > MAX_REQUEST_BYTES:
        raise InvalidInput(f'request body is larger than {MAX_REQUEST_BYTES} bytes')
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as error:
        raise InvalidInput(f'request body is not valid JSON: invalid UTF-8 at byte {error.start}') from None
    try:
        created: List[_OutOfRange] = []

        def parse_float(number: str):
            value = _parse_float(number)
            if isinstance(value, _OutOfRange):
                created.append(value)
            return value

        def parse_int(number: str):
            value = _parse_int(number)
            if isinstance(value, _OutOfRange):
                created.append(value)
            return value

        value = json.loads(text, parse_float=parse_float, parse_int=parse_int,
                           parse_constant=_reject_constant)
        _check_structure(value)
        _check_out_of_range(value, created)
    except (ValueError, RecursionError) as error:  # JSONDecodeError and _NotJson are ValueErrors
        detail = str(error) if not isinstance(error, RecursionError) else 'nesting too deep'
        raise InvalidInput(f'request body is not valid JSON: {detail}') from None
    return value


def _expect_object(value: Any) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f'request must be a JSON object, got {kind_of(value)}')
    return value


# Standard alphabet, length a multiple of 4, '=' only as the last one or two characters: the rule of
# base64.b64decode(validate=True), written out so that nothing else slips through. Set bits after the
# last full byte (a non-canonical ending such as 'QR==') are ignored, as b64decode and the Rust side do.
_BASE64 = re.compile(r'(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?')


def _decode_base64(text: str) -> bytes:
    if not _BASE64.fullmatch(text):
        raise InvalidInput('request body is not valid base64')
    return base64.b64decode(text, validate=True)


def _proxy_body(event: Dict[str, Any]) -> Dict[str, Any]:
    body = event['body']
    if not isinstance(body, str):
        raise InvalidInput(f"field 'body' must be a string, got {kind_of(body)}")
    if event.get('isBase64Encoded') is True:
        data = _decode_base64(body)
        try:
            data.decode('utf-8')
        except UnicodeDecodeError:
            raise InvalidInput('request body is not valid UTF-8') from None
    else:
        data = body.encode('utf-8')
    return _expect_object(parse_json(data))


# ---------------------------------------------------------------------------------------------------
# Features

def to_float32(value: float) -> Optional[float]:
    """Rounds a float64 to the nearest float32 (ties to even, as C and Rust casts do); None when the
    result would be infinite or NaN."""
    if not math.isfinite(value):
        return None
    try:
        return struct.unpack('<f', struct.pack('<f', value))[0]
    except OverflowError:
        return None


def read_features(request: Dict[str, Any]):
    """Returns (values as sent in float64, values in float32). After the pH/ph check, each feature in
    feature order must be present, a number, and finite in float32; the first failing feature is the
    one named."""
    if 'pH' in request and 'ph' in request:
        raise InvalidInput("fields 'pH' and 'ph' are both present; send one")
    as_sent, narrowed = [], []
    for index, name in enumerate(FEATURE_NAMES):
        sent = 'ph' if index == PH_INDEX and 'ph' in request else name
        if sent not in request:
            raise InvalidInput(f"missing field '{name}'")
        value = request[sent]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidInput(f"field '{sent}' must be a number, got {kind_of(value)}")
        single = to_float32(float(value))
        if single is None:
            raise InvalidInput(f"field '{sent}' must be a finite number within float32 range")
        as_sent.append(float(value))
        narrowed.append(single)
    return as_sent, narrowed


# ---------------------------------------------------------------------------------------------------
# The answer

def category_of(quality: float) -> str:
    if quality < 5:
        return 'Poor'
    if quality < 7:
        return 'Average'
    if quality < 8:
        return 'Good'
    return 'Excellent'


def confidence_of(as_sent: Sequence[float], mins: Sequence[float], maxs: Sequence[float]) -> float:
    inside = sum(1 for x, low, high in zip(as_sent, mins, maxs) if low <= x <= high)
    return inside / len(FEATURE_NAMES)


def top_factors_of(as_sent: Sequence[float], coefficients: Sequence[float], means: Sequence[float]) -> List[str]:
    scores = [abs(float(c) * (x - m)) for c, x, m in zip(coefficients, as_sent, means)]
    # sorted() is stable, so equal scores keep feature order.
    order = sorted(range(len(FEATURE_NAMES)), key=lambda i: -scores[i])
    return [FEATURE_NAMES[i] for i in order[:3]]


def shortest_float32(value: float) -> float:
    """The float64 nearest to the shortest decimal that reads back as this float32, so the JSON number
    is the float32 as written by float32-aware serializers (e.g. 5.4321, not 5.432099819183350)."""
    for digits in range(1, 10):
        candidate = float(f'{value:.{digits}g}')
        if to_float32(candidate) == value:
            return candidate
    return value  # nine significant digits always round-trip; not reached


def evaluate(event: Any, model: WineModel) -> Outcome:
    """Decides one event. `event` is the event's bytes exactly as the Runtime API delivered them (see
    lambda_function), or a value some other layer already decoded from JSON (dict, list, str, ...)."""
    proxy = False
    try:
        decoded = parse_json(bytes(event)) if isinstance(event, (bytes, bytearray)) else event
        request = _expect_object(decoded)
        if 'body' in request:
            proxy = True
            request = _proxy_body(request)
        as_sent, narrowed = read_features(request)
        quality = model.predict(narrowed)
        if not math.isfinite(quality):
            raise InvalidInput('inputs produce a non-finite prediction')
    except InvalidInput as error:
        return Outcome(proxy=proxy, error=str(error))
    answer = {
        'quality': shortest_float32(quality),
        'category': category_of(quality),
        'confidence': confidence_of(as_sent, model.feature_mins, model.feature_maxs),
        'top_factors': top_factors_of(as_sent, model.coefficients, model.feature_means),
    }
    return Outcome(proxy=proxy, answer=answer)


def render(outcome: Outcome, extra: Dict[str, Any]) -> Dict[str, Any]:
    """What the handler returns: the answer (with `extra` fields appended), a proxy envelope, or, for a
    failed direct event, an InvalidInput raised for the runtime client to report."""
    if outcome.error is not None:
        if not outcome.proxy:
            raise InvalidInput(outcome.error)
        body = {'errorType': 'InvalidInput', 'errorMessage': outcome.error}
        return {'statusCode': 400, 'headers': dict(JSON_HEADERS), 'body': _compact(body)}
    answer = dict(outcome.answer)
    answer.update(extra)
    if outcome.proxy:
        return {'statusCode': 200, 'headers': dict(JSON_HEADERS), 'body': _compact(answer)}
    return answer


def _compact(value: Dict[str, Any]) -> str:
    return json.dumps(value, separators=(',', ':'), allow_nan=False)

