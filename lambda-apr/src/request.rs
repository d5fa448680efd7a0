//! Turns an event into the 11 model inputs, applying the checks of docs/CONTRACT.md in its order.

use std::fmt;

use serde_json::{Map, Value};

use crate::base64;
use crate::contract::{FEATURE_COUNT, FEATURE_NAMES, MAX_EVENT_BYTES, PH_ALTERNATIVE_SPELLING, PH_INDEX};

/// JSON kinds as the contract names them in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    pub fn of(value: &Value) -> Kind {
        match value {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Boolean,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Boolean => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Array => "array",
            Kind::Object => "object",
        }
    }
}

/// Why a request was refused; `Display` gives the contract's `errorMessage` byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    TooLarge,
    /// Carries serde_json's description of the syntax error.
    InvalidJson(String),
    NotAnObject(Kind),
    BodyNotString(Kind),
    InvalidBase64,
    InvalidUtf8,
    BothPhSpellings,
    /// Carries the canonical feature name (`pH` even when the request would have used `ph`).
    MissingField(&'static str),
    /// Carries the field name as sent.
    NotANumber {
        field: &'static str,
        kind: Kind,
    },
    /// Carries the field name as sent.
    NotFiniteAsFloat32 {
        field: &'static str,
    },
    NonFinitePrediction,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::TooLarge => write!(f, "request body is larger than {MAX_EVENT_BYTES} bytes"),
            InputError::InvalidJson(detail) => write!(f, "request body is not valid JSON: {detail}"),
            InputError::NotAnObject(kind) => {
                write!(f, "request must be a JSON object, got {}", kind.name())
            }
            InputError::BodyNotString(kind) => {
                write!(f, "field 'body' must be a string, got {}", kind.name())
            }
            InputError::InvalidBase64 => f.write_str("request body is not valid base64"),
            InputError::InvalidUtf8 => f.write_str("request body is not valid UTF-8"),
            InputError::BothPhSpellings => f.write_str("fields 'pH' and 'ph' are both present; send one"),
            InputError::MissingField(name) => write!(f, "missing field '{name}'"),
            InputError::NotANumber { field, kind } => {
                write!(f, "field '{field}' must be a number, got {}", kind.name())
            }
            InputError::NotFiniteAsFloat32 { field } => {
                write!(f, "field '{field}' must be a finite number within float32 range")
            }
            InputError::NonFinitePrediction => f.write_str("inputs produce a non-finite prediction"),
        }
    }
}

/// The model inputs of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// The values as sent (JSON numbers parsed to float64): used for confidence and top factors.
    pub as_sent: [f64; FEATURE_COUNT],
    /// The same values converted to float32: used for the prediction.
    pub as_f32: [f32; FEATURE_COUNT],
}

/// A parsed event. The two kinds answer failures differently (invocation error versus HTTP 400),
/// so a proxy event carries the outcome of its body's checks instead of failing the parse.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Direct(Features),
    Proxy(Result<Features, InputError>),
}

/// Parses a raw event. `Err` is a failure before the event is known to be a proxy event (or a
/// direct event's own failure); failures inside a proxy event are in `Request::Proxy`.
pub fn parse_event(event: &[u8]) -> Result<Request, InputError> {
    let object = parse_object(event)?;
    match object.get("body") {
        Some(body) => Ok(Request::Proxy(proxy_features(body, object.get("isBase64Encoded")))),
        None => features_from_object(&object).map(Request::Direct),
    }
}

/// The size, JSON and object checks, which apply to the event and again to a proxy body.
fn parse_object(text: &[u8]) -> Result<Map<String, Value>, InputError> {
    if text.len() > MAX_EVENT_BYTES {
        return Err(InputError::TooLarge);
    }
    match serde_json::from_slice::<Value>(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(other) => Err(InputError::NotAnObject(Kind::of(&other))),
        Err(error) => Err(InputError::InvalidJson(error.to_string())),
    }
}

fn proxy_features(body: &Value, is_base64_encoded: Option<&Value>) -> Result<Features, InputError> {
    let Value::String(body) = body else {
        return Err(InputError::BodyNotString(Kind::of(body)));
    };
    // Only a JSON `true` means encoded: API Gateway and Function URLs send a boolean.
    let object = if is_base64_encoded == Some(&Value::Bool(true)) {
        let decoded = base64::decode(body.as_bytes()).map_err(|_| InputError::InvalidBase64)?;
        if std::str::from_utf8(&decoded).is_err() {
            return Err(InputError::InvalidUtf8);
        }
        parse_object(&decoded)?
    } else {
        parse_object(body.as_bytes())?
    };
    features_from_object(&object)
}

/// The field checks: pH spelling, then for each feature in order: present, a number, finite in
/// float32. The first failing feature is the one named.
pub fn features_from_object(object: &Map<String, Value>) -> Result<Features, InputError> {
    let ph_spelled_lower = object.contains_key(PH_ALTERNATIVE_SPELLING);
    if ph_spelled_lower && object.contains_key(FEATURE_NAMES[PH_INDEX]) {
        return Err(InputError::BothPhSpellings);
    }
    let mut features = Features { as_sent: [0.0; FEATURE_COUNT], as_f32: [0.0; FEATURE_COUNT] };
    for (index, &canonical) in FEATURE_NAMES.iter().enumerate() {
        let sent_name = if index == PH_INDEX && ph_spelled_lower { PH_ALTERNATIVE_SPELLING } else { canonical };
        let value = object.get(sent_name).ok_or(InputError::MissingField(canonical))?;
        let Value::Number(number) = value else {
            return Err(InputError::NotANumber { field: sent_name, kind: Kind::of(value) });
        };
        // serde_json rejects numbers beyond float64 range, so every parsed number has a finite f64.
        let as_sent = number.as_f64().ok_or(InputError::NotFiniteAsFloat32 { field: sent_name })?;
        let as_f32 = as_sent as f32;
        if !as_f32.is_finite() {
            return Err(InputError::NotFiniteAsFloat32 { field: sent_name });
        }
        features.as_sent[index] = as_sent;
        features.as_f32[index] = as_f32;
    }
    Ok(features)
}
