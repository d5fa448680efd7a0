"""wine_rules against docs/CONTRACT.md: every message, the order of the checks, the answer fields, the
proxy forms and the JSON strictness. Pure: the model's prediction is the exact float32 formula."""

import base64
import json

import pytest

from conftest import REFERENCE_PAYLOAD, f32
from wine_rules import (FEATURE_NAMES, MAX_REQUEST_BYTES, InvalidInput, Outcome, category_of, evaluate,
                        kind_of, render, shortest_float32, top_factors_of)


def raw(value) -> bytes:
    return json.dumps(value).encode()


def error_of(model, event) -> str:
    outcome = evaluate(event if isinstance(event, bytes) else raw(event), model)
    assert outcome.answer is None, outcome
    return outcome.error


def answer_of(model, event):
    outcome = evaluate(event if isinstance(event, bytes) else raw(event), model)
    assert outcome.error is None, outcome.error
    return outcome.answer


def payload(**changes):
    values = dict(REFERENCE_PAYLOAD)
    for key, value in changes.items():
        if value is ...:
            del values[key]
        else:
            values[key] = value
    return values


def proxy(body, **extra):
    return dict({'body': body}, **extra)


# --- the answer -----------------------------------------------------------------------------------

def test_reference_payload(reference_model):
    answer = answer_of(reference_model, REFERENCE_PAYLOAD)
    assert set(answer) == {'quality', 'category', 'confidence', 'top_factors'}
    assert answer['quality'] == pytest.approx(5.796692, abs=1e-6)
    assert f32(answer['quality']) == reference_model.predict([f32(REFERENCE_PAYLOAD[n]) for n in FEATURE_NAMES])
    assert answer['category'] == 'Average'
    assert answer['confidence'] == 1.0
    assert answer['top_factors'] == ['volatile_acidity', 'total_sulfur_dioxide', 'chlorides']


def test_ph_may_be_spelled_ph(reference_model):
    spelled = payload(pH=...)
    spelled['ph'] = REFERENCE_PAYLOAD['pH']
    assert answer_of(reference_model, spelled) == answer_of(reference_model, REFERENCE_PAYLOAD)


def test_top_factors_spell_ph_as_pH(reference_model):
    far = payload(pH=...)
    far['ph'] = 40.0
    assert answer_of(reference_model, far)['top_factors'][0] == 'pH'


def test_other_fields_are_ignored(reference_model):
    extended = dict(REFERENCE_PAYLOAD, color='red', nested={'a': [1, None]}, quality=9)
    assert answer_of(reference_model, extended) == answer_of(reference_model, REFERENCE_PAYLOAD)


def test_integers_are_numbers(reference_model):
    assert answer_of(reference_model, payload(free_sulfur_dioxide=30)) == answer_of(reference_model, REFERENCE_PAYLOAD)


def test_confidence_counts_inclusive_ranges_on_values_as_sent(reference_model):
    mins, maxs = reference_model.feature_mins, reference_model.feature_maxs
    at_bounds = {name: (mins[i] if i % 2 else maxs[i]) for i, name in enumerate(FEATURE_NAMES)}
    assert answer_of(reference_model, at_bounds)['confidence'] == 1.0
    # 0.99007 (density minimum) is not a float32 value: the comparison uses the value as sent.
    assert f32(mins[7]) != mins[7]
    outside = dict(at_bounds, fixed_acidity=maxs[0] + 1e-9, density=mins[7] - 1e-12)
    assert answer_of(reference_model, outside)['confidence'] == 9 / 11
    zeros = {name: 0 for name in FEATURE_NAMES}
    inside = sum(1 for i in range(11) if mins[i] <= 0 <= maxs[i])
    assert answer_of(reference_model, zeros)['confidence'] == inside / 11


@pytest.mark.parametrize('quality, category', [
    (4.999999523162842, 'Poor'), (5.0, 'Average'), (6.999999523162842, 'Average'), (7.0, 'Good'),
    (7.999999523162842, 'Good'), (8.0, 'Excellent'), (-3.0, 'Poor'), (1e30, 'Excellent'),
])
def test_category_thresholds(quality, category):
    assert category_of(quality) == category


def test_top_factor_ties_keep_feature_order():
    coefficients = [1.0] * 11
    means = [0.0] * 11
    assert top_factors_of([1.0] * 11, coefficients, means) == ['fixed_acidity', 'volatile_acidity', 'citric_acid']
    values = [1.0] * 11
    values[10] = 2.0
    assert top_factors_of(values, coefficients, means) == ['alcohol', 'fixed_acidity', 'volatile_acidity']


def test_top_factors_use_float64_on_values_as_sent():
    # 1 + 2**-30 rounds to 1.0 in float32; as sent it is larger, so feature 1 wins over feature 0.
    values = [1.0, 1.0 + 2 ** -30] + [0.0] * 9
    assert top_factors_of(values, [1.0] * 11, [0.0] * 11)[:2] == ['volatile_acidity', 'fixed_acidity']


def test_quality_is_written_as_the_shortest_float32_decimal():
    assert shortest_float32(f32(5.4321)) == 5.4321
    assert shortest_float32(f32(0.1)) == 0.1
    for value in (f32(1 / 3), f32(-7.123456), f32(1e-7), f32(3.4e38)):
        assert f32(shortest_float32(value)) == value


def test_far_outside_the_range_still_answers(reference_model):
    answer = answer_of(reference_model, payload(alcohol=1e6, density=-5e3))
    assert answer['confidence'] == 9 / 11
    assert answer['top_factors'][:2] == ['alcohol', 'density']


# --- proxy events --------------------------------------------------------------------------------

def test_proxy_plain_body(reference_model):
    body = json.dumps(REFERENCE_PAYLOAD)
    outcome = evaluate(raw(proxy(body)), reference_model)
    assert outcome.proxy and outcome.answer == answer_of(reference_model, REFERENCE_PAYLOAD)
    rendered = render(outcome, {'runtime': 'pytorch'})
    assert rendered['statusCode'] == 200
    assert rendered['headers'] == {'content-type': 'application/json'}
    assert json.loads(rendered['body']) == dict(outcome.answer, runtime='pytorch')


def test_proxy_base64_body(reference_model):
    body = base64.b64encode(json.dumps(REFERENCE_PAYLOAD).encode()).decode()
    outcome = evaluate(raw(proxy(body, isBase64Encoded=True)), reference_model)
    assert outcome.proxy and outcome.answer == answer_of(reference_model, REFERENCE_PAYLOAD)


def test_proxy_with_api_gateway_fields(reference_model):
    event = {'version': '2.0', 'routeKey': '$default', 'rawPath': '/', 'headers': {'content-type': 'application/json'},
             'requestContext': {'http': {'method': 'POST'}}, 'body': json.dumps(REFERENCE_PAYLOAD),
             'isBase64Encoded': False}
    assert evaluate(raw(event), reference_model).answer == answer_of(reference_model, REFERENCE_PAYLOAD)


@pytest.mark.parametrize('flag', ['true', 1, None, False])
def test_only_boolean_true_means_base64(reference_model, flag):
    outcome = evaluate(raw(proxy(json.dumps(REFERENCE_PAYLOAD), isBase64Encoded=flag)), reference_model)
    assert outcome.answer is not None


def test_proxy_failure_is_an_http_400(reference_model):
    outcome = evaluate(raw(proxy(json.dumps(payload(alcohol='high')))), reference_model)
    assert outcome.proxy and outcome.error == "field 'alcohol' must be a number, got string"
    rendered = render(outcome, {'runtime': 'pytorch'})
    assert rendered == {'statusCode': 400, 'headers': {'content-type': 'application/json'},
                        'body': '{"errorType":"InvalidInput","errorMessage":"field \'alcohol\' must be a number, got string"}'}


def test_direct_failure_raises_invalid_input(reference_model):
    outcome = evaluate(b'[]', reference_model)
    with pytest.raises(InvalidInput, match='^request must be a JSON object, got array$') as raised:
        render(outcome, {})
    assert type(raised.value).__name__ == 'InvalidInput'


def test_proxy_body_is_not_itself_a_proxy(reference_model):
    inner = proxy(json.dumps(REFERENCE_PAYLOAD))
    outcome = evaluate(raw(proxy(json.dumps(inner))), reference_model)
    assert outcome.proxy and outcome.error == "missing field 'fixed_acidity'"


# --- every message of the contract, in order -----------------------------------------------------

KINDS = [(None, 'null'), (True, 'boolean'), (False, 'boolean'), ('7', 'string'), ([7.0], 'array'),
         ({'v': 7}, 'object')]


def test_kind_names():
    assert [kind_of(v) for v, _ in KINDS] == [k for _, k in KINDS]
    assert kind_of(0) == kind_of(1.5) == 'number'


def test_size_limit(reference_model):
    padding = ' ' * (MAX_REQUEST_BYTES - len(raw(REFERENCE_PAYLOAD)))
    exactly = raw(REFERENCE_PAYLOAD) + padding.encode()
    assert len(exactly) == MAX_REQUEST_BYTES
    assert answer_of(reference_model, exactly)
    assert error_of(reference_model, exactly + b' ') == 'request body is larger than 6291456 bytes'


def test_size_limit_applies_to_the_decoded_proxy_body(reference_model):
    body = json.dumps(REFERENCE_PAYLOAD) + ' ' * MAX_REQUEST_BYTES
    assert error_of(reference_model, proxy(body)) == 'request body is larger than 6291456 bytes'
    encoded = base64.b64encode(body.encode()).decode()
    assert error_of(reference_model, proxy(encoded, isBase64Encoded=True)) == 'request body is larger than 6291456 bytes'


PREFIX = 'request body is not valid JSON: '


@pytest.mark.parametrize('text', [
    b'', b'   ', b'{', b'{"a":1,}', b"{'a':1}", b'{"a":1} x', b'nul', b'{"a":01}', b'{"a":.5}',
    b'NaN', b'{"a":NaN}', b'{"a":Infinity}', b'{"a":-Infinity}',          # not JSON, though Python reads them
    b'{"a":1e400}', b'{"a":-1e400}', b'{"a":1' + b'0' * 400 + b'}',       # beyond float64
    b'{"a":"\\ud800"}', b'{"a":"\\udc00x"}', b'{"\\ud800":1}',              # unpaired surrogates
    b'\xef\xbb\xbf{}', b'{"a":"\xff"}', b'{"a":"\xc0\xaf"}',                 # BOM, invalid UTF-8
    b'{"a":"line\nbreak"}',                                                 # raw control character
    b'[' * 128 + b']' * 128, b'[' * 5000 + b']' * 5000,                     # deeper than serde_json's limit
])
def test_not_json(reference_model, text):
    assert error_of(reference_model, text).startswith(PREFIX)


def with_alcohol(text: bytes) -> bytes:
    return raw(REFERENCE_PAYLOAD).replace(b'"alcohol": 10.5', b'"alcohol": ' + text)


@pytest.mark.parametrize('text', [b'1e400', b'-1e400', b'1' + b'0' * 400])
def test_a_feature_beyond_float64_is_named_like_one_beyond_float32(reference_model, text):
    assert error_of(reference_model, with_alcohol(text)) == "field 'alcohol' must be a finite number within float32 range"
    # The same in a proxy body (an HTTP 400 naming the field).
    assert error_of(reference_model, proxy(with_alcohol(text).decode())) == "field 'alcohol' must be a finite number within float32 range"


def test_feature_order_decides_before_an_out_of_range_value(reference_model):
    event = with_alcohol(b'1e400').replace(b'"fixed_acidity": 7.0', b'"fixed_acidity": "x"')
    assert error_of(reference_model, event) == "field 'fixed_acidity' must be a number, got string"


@pytest.mark.parametrize('tail', [b'10.5, "x": -1e400', b'[1e400]', b'1e400, "alcohol": 10.5'])
def test_out_of_range_elsewhere_is_still_not_json(reference_model, tail):
    # An ignored field, nested, or a value a later duplicate replaces: as the Rust side's parser reports.
    assert error_of(reference_model, with_alcohol(tail)).startswith(PREFIX + 'number out of range')


def test_json_that_is_accepted(reference_model):
    # 127 levels of nesting, a surrogate pair, tiny and huge-but-finite numbers in ignored fields.
    extra = b',"deep":' + b'[' * 126 + b']' * 126 + b',"emoji":"\\ud83d\\ude00","tiny":1e-400,"big":1.7e308'
    text = raw(REFERENCE_PAYLOAD)[:-1] + extra + b'}'
    assert answer_of(reference_model, text) == answer_of(reference_model, REFERENCE_PAYLOAD)


@pytest.mark.parametrize('value, kind', [(None, 'null'), (True, 'boolean'), (7, 'number'), ('x', 'string'),
                                         ([], 'array')])
def test_event_must_be_an_object(reference_model, value, kind):
    assert error_of(reference_model, value) == f'request must be a JSON object, got {kind}'


@pytest.mark.parametrize('value, kind', [k for k in KINDS if k[1] != 'string'] + [(5, 'number')])
def test_body_must_be_a_string(reference_model, value, kind):
    outcome = evaluate(raw({'body': value}), reference_model)
    assert outcome.proxy and outcome.error == f"field 'body' must be a string, got {kind}"


@pytest.mark.parametrize('body', [
    'not base64!', 'eyJ', 'eyJh=', 'eyJhIjox fQ==', 'eyJhIjoxfQ', '=', '====', 'QQ==QQ==', 'QQ=A', 'Q===',
    'eyJhIjoxfQ==\n', 'ＱＱ==',
])
def test_invalid_base64(reference_model, body):
    assert error_of(reference_model, proxy(body, isBase64Encoded=True)) == 'request body is not valid base64'


def test_base64_accepts_non_canonical_trailing_bits(reference_model):
    # 'QR==' and 'QQ==' both decode to 'A' (unused bits ignored, as b64decode(validate=True) does).
    assert error_of(reference_model, proxy('QR==', isBase64Encoded=True)).startswith(PREFIX)
    assert error_of(reference_model, proxy('', isBase64Encoded=True)).startswith(PREFIX)


def test_decoded_body_must_be_utf8(reference_model):
    body = base64.b64encode(b'{"a":"\xff"}').decode()
    assert error_of(reference_model, proxy(body, isBase64Encoded=True)) == 'request body is not valid UTF-8'


@pytest.mark.parametrize('body, message', [
    ('[1]', 'request must be a JSON object, got array'),
    ('"text"', 'request must be a JSON object, got string'),
    ('{"a":NaN}', None),
    ('', None),
])
def test_body_gets_the_json_and_object_checks(reference_model, body, message):
    for event in (proxy(body), proxy(base64.b64encode(body.encode()).decode(), isBase64Encoded=True)):
        error = error_of(reference_model, event)
        assert error == message if message else error.startswith(PREFIX)


def test_both_ph_spellings(reference_model):
    both = dict(REFERENCE_PAYLOAD, ph=3.3)
    assert error_of(reference_model, both) == "fields 'pH' and 'ph' are both present; send one"
    # Before any missing field: the spelling check comes first.
    assert error_of(reference_model, {'pH': 1, 'ph': 1}) == "fields 'pH' and 'ph' are both present; send one"


@pytest.mark.parametrize('name', FEATURE_NAMES)
def test_missing_field(reference_model, name):
    assert error_of(reference_model, payload(**{name: ...})) == f"missing field '{name}'"


def test_missing_ph_is_reported_as_pH(reference_model):
    assert error_of(reference_model, payload(pH=...)) == "missing field 'pH'"


@pytest.mark.parametrize('value, kind', KINDS)
def test_not_a_number(reference_model, value, kind):
    assert error_of(reference_model, payload(chlorides=value)) == f"field 'chlorides' must be a number, got {kind}"


def test_not_a_number_names_the_field_as_sent(reference_model):
    spelled = payload(pH=...)
    spelled['ph'] = '3.3'
    assert error_of(reference_model, spelled) == "field 'ph' must be a number, got string"
    assert error_of(reference_model, payload(pH='3.3')) == "field 'pH' must be a number, got string"


@pytest.mark.parametrize('value', [1e39, -1e39, 3.5e38, 1.7e308, 10 ** 40])
def test_beyond_float32(reference_model, value):
    assert error_of(reference_model, payload(density=value)) == \
        "field 'density' must be a finite number within float32 range"


def test_float32_range_edge(reference_model):
    largest = 3.4028234663852886e38   # float32 max
    assert answer_of(reference_model, payload(alcohol=largest))['confidence'] == 10 / 11
    # Just above max but rounding to it (below max + half an ulp) is finite in float32.
    assert f32(3.4028235e38) == largest
    spelled = payload(pH=...)
    spelled['ph'] = 1e39
    assert error_of(reference_model, spelled) == "field 'ph' must be a finite number within float32 range"


def test_fields_are_checked_one_after_another_in_feature_order(reference_model):
    # Each feature is checked completely (present, number, float32 range) before the next one, so the
    # first offending feature is named whatever is wrong with it.
    event = payload(fixed_acidity='x', free_sulfur_dioxide=...)
    assert error_of(reference_model, event) == "field 'fixed_acidity' must be a number, got string"
    event = payload(volatile_acidity=..., citric_acid='x')
    assert error_of(reference_model, event) == "missing field 'volatile_acidity'"
    event = payload(residual_sugar=1e39, chlorides=None)
    assert error_of(reference_model, event) == "field 'residual_sugar' must be a finite number within float32 range"
    assert error_of(reference_model, {}) == "missing field 'fixed_acidity'"


def test_non_finite_prediction(reference_model):
    huge = {name: 3e38 for name in FEATURE_NAMES}
    assert error_of(reference_model, huge) == 'inputs produce a non-finite prediction'


def test_a_decoded_event_is_accepted_too(reference_model):
    """When some other layer decoded the event already (a dict), the same rules apply to the value."""
    assert evaluate(dict(REFERENCE_PAYLOAD), reference_model).answer == answer_of(reference_model, REFERENCE_PAYLOAD)
    assert evaluate([1], reference_model).error == 'request must be a JSON object, got array'
    assert isinstance(evaluate(b'{}', reference_model), Outcome)
