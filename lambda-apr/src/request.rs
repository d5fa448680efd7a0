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
    let (object, out_of_range) = parse_object(event)?;
    match object.get("body") {
        Some(body) => Ok(Request::Proxy(proxy_features(body, object.get("isBase64Encoded")))),
        None => checked_features(&object, &out_of_range).map(Request::Direct),
    }
}

/// The size, JSON and object checks, which apply to the event and again to a proxy body. Also
/// returns the top-level members whose value is a number beyond float64 range (see
/// `top_level_out_of_range`); each reads as 0 in the map and is refused by the field checks by name.
fn parse_object(text: &[u8]) -> Result<(Map<String, Value>, Vec<String>), InputError> {
    if text.len() > MAX_EVENT_BYTES {
        return Err(InputError::TooLarge);
    }
    let (value, out_of_range) = match serde_json::from_slice::<Value>(text) {
        Ok(value) => (value, Vec::new()),
        Err(error) if error.to_string().starts_with("number out of range") => {
            let Some((ranges, keys)) = top_level_out_of_range(text) else {
                return Err(InputError::InvalidJson(error.to_string()));
            };
            let mut patched = Vec::with_capacity(text.len());
            let mut at = 0;
            for (start, end) in ranges {
                patched.extend_from_slice(&text[at..start]);
                patched.push(b'0');
                at = end;
            }
            patched.extend_from_slice(&text[at..]);
            // Anything else wrong (a nested out-of-range number, a syntax error) is still reported.
            match serde_json::from_slice::<Value>(&patched) {
                Ok(value) => (value, keys),
                Err(error) => return Err(InputError::InvalidJson(error.to_string())),
            }
        }
        Err(error) => return Err(InputError::InvalidJson(error.to_string())),
    };
    match value {
        Value::Object(object) => Ok((object, out_of_range)),
        other => Err(InputError::NotAnObject(Kind::of(&other))),
    }
}

/// docs/CONTRACT.md: a number beyond float64 range (`1e400`) as the (final) value of a feature
/// field is not a JSON error but that field's: the field checks name it. Scans a top-level object
/// for such members; returns the byte ranges of their numbers and the fields' names. Every other
/// out-of-range number (nested, an ignored field, a value a later duplicate replaces) stays a JSON
/// error. `None` when the top level is not a well-formed object (the parser's own error stands).
fn top_level_out_of_range(text: &[u8]) -> Option<(Vec<(usize, usize)>, Vec<String>)> {
    let skip_ws = |mut i: usize| {
        while i < text.len() && matches!(text[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    };
    // A string starting at `i` (its opening quote); returns the index after its closing quote.
    let string_end = |mut i: usize| -> Option<usize> {
        i += 1;
        while i < text.len() {
            match text[i] {
                b'\\' => i += 2,
                b'"' => return Some(i + 1),
                _ => i += 1,
            }
        }
        None
    };
    // Any value starting at `i`; returns the index after it. Nested numbers are not judged here.
    let value_end = |mut i: usize| -> Option<usize> {
        let mut depth = 0usize;
        loop {
            let c = *text.get(i)?;
            if depth == 0 && matches!(c, b',' | b'}' | b']' | b':' | b' ' | b'\t' | b'\n' | b'\r') {
                return Some(i);
            }
            match c {
                b'"' => i = string_end(i)?,
                b'{' | b'[' => {
                    depth += 1;
                    i += 1;
                }
                b'}' | b']' => {
                    depth -= 1;
                    i += 1;
                }
                _ => i += 1,
            }
            if depth == 0 && matches!(c, b'"' | b'}' | b']') {
                return Some(i);
            }
        }
    };
    let mut members: Vec<(String, Option<(usize, usize)>)> = Vec::new();
    let mut i = skip_ws(0);
    if text.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(i + 1);
    while text.get(i) != Some(&b'}') {
        if text.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(i)?;
        let key: String = serde_json::from_slice(&text[i..key_end]).ok()?;
        i = skip_ws(key_end);
        if text.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(i + 1);
        let end = value_end(start)?;
        let token = std::str::from_utf8(&text[start..end]).ok()?;
        let out_of_range = matches!(text.get(start), Some(b'-' | b'0'..=b'9')) && token.parse::<f64>().is_ok_and(|x| x.is_infinite());
        members.push((key, out_of_range.then_some((start, end))));
        i = skip_ws(end);
        match text.get(i) {
            Some(b',') => i = skip_ws(i + 1),
            Some(b'}') => {}
            _ => return None,
        }
    }
    // Only a feature's final value may be out of range; any other stays a JSON error (not patched).
    let mut ranges = Vec::new();
    let mut keys = Vec::new();
    for (index, (key, range)) in members.iter().enumerate() {
        let is_feature = FEATURE_NAMES.contains(&key.as_str()) || key == PH_ALTERNATIVE_SPELLING;
        let is_last = !members[index + 1..].iter().any(|(k, _)| k == key);
        if let (Some(range), true, true) = (range, is_feature, is_last) {
            ranges.push(*range);
            keys.push(key.clone());
        }
    }
    Some((ranges, keys))
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
    checked_features(&object.0, &object.1)
}

/// The field checks: pH spelling, then for each feature in order: present, a number, finite in
/// float32. The first failing feature is the one named.
pub fn features_from_object(object: &Map<String, Value>) -> Result<Features, InputError> {
    checked_features(object, &[])
}

/// The field checks, with the members whose number was beyond float64 range (they are not finite in
/// float32 either, and are refused as such, by name, in feature order).
fn checked_features(object: &Map<String, Value>, out_of_range: &[String]) -> Result<Features, InputError> {
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
        if out_of_range.iter().any(|k| k == sent_name) {
            return Err(InputError::NotFiniteAsFloat32 { field: sent_name });
        }
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
