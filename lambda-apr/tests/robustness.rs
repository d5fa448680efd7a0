//! No input makes the handler panic: at least 100,000 seeded random and mutated events, each of
//! which must get either a well-formed answer or an `InvalidInput` error with a contract message.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use apr_wine_lambda::handler::{Handler, Outcome};
use base64::Engine as _;
use common::*;
use serde_json::{Value, json};

const KINDS: [&str; 6] = ["null", "boolean", "number", "string", "array", "object"];

/// Whether `message` is one of the contract's messages; `proxy_only` messages cannot come from a
/// direct event.
fn is_contract_message(message: &str, from_proxy: bool) -> bool {
    let kind_after = |prefix: &str| message.strip_prefix(prefix).is_some_and(|kind| KINDS.contains(&kind));
    let sent_names = || FEATURE_NAMES.iter().copied().chain(["ph"]);
    let general = message == "request body is larger than 6291456 bytes"
        || message.strip_prefix("request body is not valid JSON: ").is_some_and(|d| !d.is_empty())
        || kind_after("request must be a JSON object, got ")
        || message == "fields 'pH' and 'ph' are both present; send one"
        || FEATURE_NAMES.iter().any(|n| message == format!("missing field '{n}'"))
        || sent_names().any(|n| kind_after(&format!("field '{n}' must be a number, got ")))
        || sent_names().any(|n| message == format!("field '{n}' must be a finite number within float32 range"))
        || message == "inputs produce a non-finite prediction";
    let proxy = kind_after("field 'body' must be a string, got ")
        || message == "request body is not valid base64"
        || message == "request body is not valid UTF-8";
    general || (from_proxy && proxy)
}

fn check_direct_answer(answer: &Value) -> Result<(), String> {
    let object = answer.as_object().ok_or("not an object")?;
    let quality = object.get("quality").and_then(Value::as_f64).ok_or("quality")?;
    if !quality.is_finite() {
        return Err("quality not finite".into());
    }
    let category = object.get("category").and_then(Value::as_str).ok_or("category")?;
    let expected = apr_wine_lambda::predict::category(quality as f32);
    if category != expected {
        return Err(format!("category {category} for quality {quality}"));
    }
    let confidence = object.get("confidence").and_then(Value::as_f64).ok_or("confidence")?;
    if !(0..=11).any(|k| confidence == k as f64 / 11.0) {
        return Err(format!("confidence {confidence}"));
    }
    let factors = object.get("top_factors").and_then(Value::as_array).ok_or("top_factors")?;
    let names: Vec<&str> = factors.iter().filter_map(Value::as_str).collect();
    if names.len() != 3
        || !names.iter().all(|n| FEATURE_NAMES.contains(n))
        || names[0] == names[1]
        || names[1] == names[2]
        || names[0] == names[2]
    {
        return Err(format!("top_factors {factors:?}"));
    }
    if object.get("runtime") != Some(&json!("apr")) {
        return Err("runtime".into());
    }
    for timing in ["inference_us", "model_load_us"] {
        if !object.get(timing).and_then(Value::as_f64).is_some_and(|t| t >= 0.0) {
            return Err(timing.into());
        }
    }
    if object.len() != 7 {
        return Err("extra fields".into());
    }
    Ok(())
}

/// Checks one outcome; `Err` describes what is wrong with it.
fn check_outcome(event: &[u8], outcome: &Outcome) -> Result<(), String> {
    let is_proxy =
        serde_json::from_slice::<Value>(event).ok().is_some_and(|v| v.get("body").is_some() && v.is_object())
            && event.len() <= 6_291_456;
    match outcome {
        Outcome::InvalidInput(error) => {
            if is_proxy {
                return Err(format!("a proxy event failed the invocation: {error}"));
            }
            if !is_contract_message(&error.to_string(), false) {
                return Err(format!("unknown message {error}"));
            }
            Ok(())
        }
        Outcome::Response(bytes) => {
            let answer: Value = serde_json::from_slice(bytes).map_err(|e| format!("answer is not JSON: {e}"))?;
            if !is_proxy {
                return check_direct_answer(&answer);
            }
            if answer["headers"] != json!({"content-type": "application/json"}) {
                return Err("proxy headers".into());
            }
            let body: Value =
                serde_json::from_str(answer["body"].as_str().ok_or("proxy body")?).map_err(|e| e.to_string())?;
            match answer["statusCode"].as_u64() {
                Some(200) => check_direct_answer(&body),
                Some(400) => {
                    let message = body["errorMessage"].as_str().ok_or("errorMessage")?;
                    if body["errorType"] != "InvalidInput" || body.as_object().map(|o| o.len()) != Some(2) {
                        return Err("400 body".into());
                    }
                    if !is_contract_message(message, true) {
                        return Err(format!("unknown message {message}"));
                    }
                    Ok(())
                }
                other => Err(format!("statusCode {other:?}")),
            }
        }
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    " ",
    "\"",
    "\\",
    "\"pH\"",
    "\"ph\"",
    "\"body\"",
    "\"isBase64Encoded\"",
    "true",
    "false",
    "null",
    "NaN",
    "Infinity",
    "-",
    "0",
    "-0",
    "1e39",
    "-1e39",
    "3.4028235e38",
    "3.5e38",
    "1e400",
    "1e-400",
    "0.5",
    "18446744073709551616",
    "-9223372036854775809",
    "7",
    "\"x\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\u{fffd}",
    "\"fixed_acidity\"",
    "\"alcohol\"",
    "\"density\"",
    "\"e30=\"",
    "1.7976931348623157e308",
    "2.2250738585072014e-308",
];

fn random_json_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 3 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.chance(1, 2)),
        2 => json!(f64::from_bits(rng.next_u64())).as_f64().map_or(json!(0), |x| json!(x)),
        3 => json!(*rng.pick(&[
            0.0,
            -0.0,
            1e39,
            -1e39,
            3.4028235e38,
            3e38,
            1e-45,
            7.0,
            0.995,
            12345678901234567890.0,
            f32::MAX as f64
        ])),
        4 => json!(rng.below(1000) as i64 - 500),
        5 => {
            let len = rng.below(8);
            json!(String::from_utf8_lossy(&rng.bytes(len)).into_owned())
        }
        6 => Value::Array((0..rng.below(4)).map(|_| random_json_value(rng, depth + 1)).collect()),
        _ => Value::Object((0..rng.below(4)).map(|i| (format!("k{i}"), random_json_value(rng, depth + 1))).collect()),
    }
}

/// A reference event with field-level damage.
fn mutated_request(rng: &mut Rng) -> Value {
    let mut event: serde_json::Map<String, Value> = serde_json::from_str(REFERENCE_PAYLOAD).unwrap();
    for _ in 0..rng.below(4) {
        let name = *rng.pick(&FEATURE_NAMES);
        match rng.below(6) {
            0 => {
                event.remove(name);
            }
            1 => {
                event.insert(name.into(), random_json_value(rng, 0));
            }
            2 => {
                if let Some(value) = event.remove("pH") {
                    event.insert("ph".into(), value);
                }
            }
            3 => {
                event.insert("ph".into(), random_json_value(rng, 0));
            }
            4 => {
                let scale = *rng.pick(&[1e30, 1e38, -1e37, 1e-30, 0.0]);
                let value = event.get(name).and_then(Value::as_f64).unwrap_or(1.0) * scale;
                event.insert(name.into(), json!(value));
            }
            _ => {
                event.insert(format!("extra{}", rng.below(3)), random_json_value(rng, 0));
            }
        }
    }
    Value::Object(event)
}

fn proxy_event(rng: &mut Rng, inner: &[u8]) -> Vec<u8> {
    let body: Value = match rng.below(6) {
        0 => random_json_value(rng, 0),
        1 | 2 => json!(String::from_utf8_lossy(inner)),
        _ => {
            let mut encoded = base64::engine::general_purpose::STANDARD.encode(inner).into_bytes();
            if rng.chance(1, 3) && !encoded.is_empty() {
                let at = rng.below(encoded.len());
                encoded[at] = *rng.pick(b"=A/+_-\n !\xc3");
            }
            if rng.chance(1, 6) {
                encoded.truncate(rng.below(encoded.len() + 1));
            }
            let encoded = String::from_utf8_lossy(&encoded).into_owned();
            return json!({"body": encoded, "isBase64Encoded": rng.chance(7, 8)}).to_string().into_bytes();
        }
    };
    json!({"body": body, "isBase64Encoded": random_json_value(rng, 3)}).to_string().into_bytes()
}

fn mutate_bytes(rng: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len();
        match rng.below(6) {
            0 if len > 0 => {
                let at = rng.below(len);
                bytes[at] = rng.next_u64() as u8;
            }
            1 => {
                let at = rng.below(len + 1);
                let token = rng.pick(TOKENS).as_bytes().to_vec();
                bytes.splice(at..at, token);
            }
            2 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(8)).min(len);
                bytes.drain(at..end);
            }
            3 => bytes.truncate(rng.below(len + 1)),
            4 if len > 0 => {
                let at = rng.below(len);
                let end = (at + rng.below(16)).min(len);
                let chunk = bytes[at..end].to_vec();
                let to = rng.below(len + 1);
                bytes.splice(to..to, chunk);
            }
            _ => {
                let at = rng.below(len + 1);
                bytes.insert(at, *rng.pick(b"{}[]\":,\\ 0eE-+.\x00\xff"));
            }
        }
    }
    bytes
}

fn generate(rng: &mut Rng) -> Vec<u8> {
    match rng.below(8) {
        0 => {
            let len = rng.below(64);
            rng.bytes(len)
        }
        1 => (0..rng.below(24)).flat_map(|_| rng.pick(TOKENS).as_bytes().to_vec()).collect(),
        2 => mutated_request(rng).to_string().into_bytes(),
        3 => mutate_bytes(rng, REFERENCE_PAYLOAD.as_bytes().to_vec()),
        4 => {
            let inner = if rng.chance(1, 2) {
                mutated_request(rng).to_string().into_bytes()
            } else {
                mutate_bytes(rng, REFERENCE_PAYLOAD.as_bytes().to_vec())
            };
            proxy_event(rng, &inner)
        }
        5 => {
            let inner = mutated_request(rng).to_string().into_bytes();
            let event = proxy_event(rng, &inner);
            mutate_bytes(rng, event)
        }
        6 => {
            // Deep nesting, around serde_json's recursion limit.
            let depth = 100 + rng.below(100);
            let open = if rng.chance(1, 2) { "[" } else { "{\"a\":" };
            let mut event = format!("{{\"body\":{}", open.repeat(depth));
            if rng.chance(1, 2) {
                event.push_str(&"]".repeat(depth));
            }
            event.into_bytes()
        }
        _ => random_json_value(rng, 0).to_string().into_bytes(),
    }
}

#[test]
fn at_least_100_000_random_and_mutated_events_get_an_answer_or_a_contract_error() {
    const EVENTS: usize = 120_000;
    let handlers = [
        fixture_handler(),
        Handler::new(apr_wine_lambda::load::load_model(apr_wine_lambda::load::ModelSource::Embedded).unwrap(), 0.0),
    ];
    let mut rng = Rng::new(0x5EED_0FA9);
    let mut answered = 0;
    let mut refused = 0;
    for index in 0..EVENTS {
        let event = generate(&mut rng);
        let handler = &handlers[index % 2];
        let outcome = catch_unwind(AssertUnwindSafe(|| handler.handle(&event)))
            .unwrap_or_else(|_| panic!("event {index} panicked: {:?}", String::from_utf8_lossy(&event)));
        if let Err(problem) = check_outcome(&event, &outcome) {
            panic!("event {index}: {problem}\nevent: {:?}\noutcome: {outcome:?}", String::from_utf8_lossy(&event));
        }
        match outcome {
            Outcome::Response(_) => answered += 1,
            Outcome::InvalidInput(_) => refused += 1,
        }
    }
    assert_eq!(answered + refused, EVENTS);
    // The generators reach both sides of the contract in earnest.
    assert!(answered > EVENTS / 10, "answered {answered}");
    assert!(refused > EVENTS / 10, "refused {refused}");
}
