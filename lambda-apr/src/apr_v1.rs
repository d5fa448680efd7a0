//! Our reader of Aprender `.apr` v1 (`APRN`) files holding a LinearRegression.
//!
//! The reference implementation is the `apr-format` crate (0.72.3): this reader accepts and rejects
//! what `apr_format::load_from_bytes` + `apr_format::inspect_bytes` accept and reject, which the
//! tests and the differential fuzz target check. One deliberate difference: the metadata fields
//! `distillation_info`, `license` and `model_card` (large nested structures we never use) are
//! refused when present with a value, where apr-format would check and accept them.
//!
//! Layout (little-endian): 32-byte header, MessagePack metadata, bincode 1.x payload, CRC32 (IEEE)
//! of everything before it.

use serde_json::{Map, Number, Value};

use crate::model::{DecodedApr, ModelError};
use crate::msgpack::{MsgValue, parse_first_value};

pub const HEADER_BYTES: usize = 32;
const CRC_BYTES: usize = 4;
const MAGIC: [u8; 4] = *b"APRN";
const SUPPORTED_MAJOR_VERSION: u8 = 1;
const LINEAR_REGRESSION: u16 = 0x0001;
const COMPRESSION_NONE: u8 = 0x00;
/// apr-format knows compressions 0x00..=0x03 and refuses the rest while parsing the header.
const LAST_KNOWN_COMPRESSION: u8 = 0x03;
/// apr-format's compression-bomb limit on the declared uncompressed size.
const MAX_UNCOMPRESSED_BYTES: u32 = 1024 * 1024 * 1024;

/// The header fields this reader uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub version: (u8, u8),
    pub model_type: u16,
    pub metadata_bytes: u32,
    pub payload_bytes: u32,
    pub uncompressed_bytes: u32,
    pub compression: u8,
}

/// Checks, in order: size, CRC, magic, version, model type, section sizes, compression; then
/// decodes the payload and the metadata.
pub fn read_linear_regression(file: &[u8]) -> Result<DecodedApr, ModelError> {
    if file.len() < HEADER_BYTES + CRC_BYTES {
        return Err(ModelError::TooSmall { file_bytes: file.len() });
    }
    let (body, stored_crc) = file.split_at(file.len() - CRC_BYTES);
    let stored = u32::from_le_bytes([stored_crc[0], stored_crc[1], stored_crc[2], stored_crc[3]]);
    let computed = crc32(body);
    if stored != computed {
        return Err(ModelError::CrcMismatch { stored, computed });
    }
    let header = parse_header(body)?;
    let metadata_end = HEADER_BYTES + header.metadata_bytes as usize;
    let payload_end = metadata_end + header.payload_bytes as usize;
    if payload_end > body.len() {
        return Err(ModelError::SizesExceedFile {
            metadata_bytes: header.metadata_bytes,
            payload_bytes: header.payload_bytes,
            file_bytes: file.len(),
        });
    }
    if header.compression != COMPRESSION_NONE {
        return Err(ModelError::UnsupportedCompression(header.compression));
    }
    let payload = decode_payload(&body[metadata_end..payload_end])?;
    let wine_quality = metadata_wine_quality(&body[HEADER_BYTES..metadata_end])?;
    Ok(DecodedApr {
        coefficients: payload.coefficients,
        intercept: payload.intercept,
        fit_intercept: payload.fit_intercept,
        wine_quality,
    })
}

/// Parses and checks the 32-byte header (magic, version, model type, compression, size limit).
pub fn parse_header(bytes: &[u8]) -> Result<Header, ModelError> {
    let field = |range: std::ops::Range<usize>| &bytes[range];
    let magic: [u8; 4] = field(0..4).try_into().expect("4-byte range");
    if magic != MAGIC {
        return Err(ModelError::BadMagic(magic));
    }
    let version = (bytes[4], bytes[5]);
    if version.0 > SUPPORTED_MAJOR_VERSION {
        return Err(ModelError::UnsupportedVersion { major: version.0, minor: version.1 });
    }
    let model_type = u16::from_le_bytes([bytes[6], bytes[7]]);
    if model_type != LINEAR_REGRESSION {
        return Err(ModelError::WrongModelType(model_type));
    }
    let le_u32 = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let header = Header {
        version,
        model_type,
        metadata_bytes: le_u32(8),
        payload_bytes: le_u32(12),
        uncompressed_bytes: le_u32(16),
        compression: bytes[20],
    };
    if header.uncompressed_bytes > MAX_UNCOMPRESSED_BYTES {
        return Err(ModelError::UncompressedSizeTooLarge(header.uncompressed_bytes));
    }
    if header.compression > LAST_KNOWN_COMPRESSION {
        return Err(ModelError::UnsupportedCompression(header.compression));
    }
    Ok(header)
}

/// IEEE CRC32 (polynomial 0xEDB88320), table-driven; the table is built at compile time.
pub fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut crc = i as u32;
            let mut bit = 0;
            while bit < 8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
                bit += 1;
            }
            table[i] = crc;
            i += 1;
        }
        table
    };
    !data.iter().fold(0xFFFF_FFFF_u32, |crc, &byte| (crc >> 8) ^ TABLE[((crc ^ u32::from(byte)) & 0xFF) as usize])
}

struct Payload {
    coefficients: Option<Vec<f32>>,
    intercept: f32,
    fit_intercept: bool,
}

/// bincode 1.x ("legacy" options: fixed-width little-endian integers, u64 lengths, trailing bytes
/// allowed) of `{ coefficients: Option<Vec<f32>>, intercept: f32, fit_intercept: bool }`.
fn decode_payload(bytes: &[u8]) -> Result<Payload, ModelError> {
    let mut rest = bytes;
    let mut take = |count: usize| -> Result<&[u8], ModelError> {
        if rest.len() < count {
            return Err(ModelError::Payload(format!("it ends early ({} bytes)", bytes.len())));
        }
        let (taken, remaining) = rest.split_at(count);
        rest = remaining;
        Ok(taken)
    };
    let f32_at = |b: &[u8]| f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let coefficients = match take(1)?[0] {
        0 => None,
        1 => {
            let len = u64::from_le_bytes(take(8)?.try_into().expect("8 bytes"));
            // Refuse a length the bytes cannot hold before allocating for it.
            let byte_len = usize::try_from(len).ok().and_then(|n| n.checked_mul(4));
            let data = match byte_len {
                Some(byte_len) => take(byte_len)?,
                None => return Err(ModelError::Payload(format!("coefficient count {len} is too large"))),
            };
            Some(data.chunks_exact(4).map(f32_at).collect())
        }
        tag => return Err(ModelError::Payload(format!("Option tag {tag} is neither 0 nor 1"))),
    };
    let intercept = f32_at(take(4)?);
    let fit_intercept = match take(1)?[0] {
        0 => false,
        1 => true,
        other => return Err(ModelError::Payload(format!("bool byte {other} is neither 0 nor 1"))),
    };
    Ok(Payload { coefficients, intercept, fit_intercept })
}

/// Field names of apr-format's `Metadata`, in declaration order (serde also accepts the index).
const METADATA_FIELDS: [&str; 12] = [
    "created_at",
    "aprender_version",
    "model_name",
    "description",
    "training",
    "hyperparameters",
    "metrics",
    "custom",
    "distillation",
    "distillation_info",
    "license",
    "model_card",
];
const TRAINING_INFO_FIELDS: [&str; 3] = ["samples", "duration_ms", "source"];

/// Checks the metadata as apr-format's `Metadata` type (through rmp_serde) would, and returns
/// `custom.wine_quality` if present.
fn metadata_wine_quality(bytes: &[u8]) -> Result<Option<Value>, ModelError> {
    let bad = |detail: String| ModelError::Metadata(detail);
    let metadata = parse_first_value(bytes).map_err(|e| bad(e.to_string()))?;
    let [
        created_at,
        aprender_version,
        model_name,
        description,
        training,
        hyperparameters,
        metrics,
        custom,
        distillation,
        distillation_info,
        license,
        model_card,
    ] = struct_fields(&metadata, &METADATA_FIELDS).map_err(bad)?;

    for (name, value) in [("created_at", created_at), ("aprender_version", aprender_version)] {
        let value = value.ok_or_else(|| bad(format!("missing field '{name}'")))?;
        string_like(value).ok_or_else(|| bad(format!("field '{name}' is not a string")))?;
    }
    for (name, value) in [("model_name", model_name), ("description", description), ("distillation", distillation)] {
        if let Some(value) = present(value) {
            string_like(value).ok_or_else(|| bad(format!("field '{name}' is not a string")))?;
        }
    }
    if let Some(training) = present(training) {
        let [samples, duration_ms, source] =
            struct_fields(training, &TRAINING_INFO_FIELDS).map_err(|e| bad(format!("training: {e}")))?;
        for (name, value) in [("samples", samples), ("duration_ms", duration_ms)] {
            if let Some(value) = present(value)
                && !matches!(value, MsgValue::UInt(_) | MsgValue::Int(0..))
            {
                return Err(bad(format!("training.{name} is not an unsigned integer")));
            }
        }
        if let Some(source) = present(source) {
            string_like(source).ok_or_else(|| bad("training.source is not a string".into()))?;
        }
    }
    for (name, value) in [("hyperparameters", hyperparameters), ("metrics", metrics)] {
        if let Some(value) = value {
            json_map(value).map_err(|e| bad(format!("{name}: {e}")))?;
        }
    }
    for (name, value) in [("distillation_info", distillation_info), ("license", license), ("model_card", model_card)] {
        if present(value).is_some() {
            return Err(bad(format!("field '{name}' is not supported by this reader")));
        }
    }
    match custom {
        Some(custom) => {
            let mut custom = json_map(custom).map_err(|e| bad(format!("custom: {e}")))?;
            Ok(custom.remove("wine_quality"))
        }
        None => Ok(None),
    }
}

/// Absent and `nil` both mean `None` for an `Option` field.
fn present<'v, 'a>(value: Option<&'v MsgValue<'a>>) -> Option<&'v MsgValue<'a>> {
    value.filter(|v| !matches!(v, MsgValue::Nil))
}

/// The fields of a serde struct, as rmp_serde reads one: a map keyed by field name (or field index;
/// unknown keys ignored, duplicates refused) or an array in field order (at most one element per
/// field). An empty binary reads as an empty array.
fn struct_fields<'v, 'a, const N: usize>(
    value: &'v MsgValue<'a>,
    names: &[&str; N],
) -> Result<[Option<&'v MsgValue<'a>>; N], String> {
    let mut fields = [None; N];
    match value {
        MsgValue::Map(entries) => {
            for (key, field_value) in entries {
                let index = match key {
                    MsgValue::Str(name) | MsgValue::Bin(name) => names.iter().position(|n| n.as_bytes() == *name),
                    MsgValue::UInt(index) => usize::try_from(*index).ok().filter(|&i| i < N),
                    _ => return Err("a map key is not a field name".into()),
                };
                if let Some(index) = index
                    && fields[index].replace(field_value).is_some()
                {
                    return Err(format!("duplicate field '{}'", names[index]));
                }
            }
        }
        MsgValue::Array(items) if items.len() <= N => {
            for (slot, item) in fields.iter_mut().zip(items) {
                *slot = Some(item);
            }
        }
        MsgValue::Bin([]) => {}
        _ => return Err("expected a map of named fields".into()),
    }
    Ok(fields)
}

/// A Rust `String` accepts a MessagePack string or binary that is valid UTF-8.
fn string_like<'a>(value: &MsgValue<'a>) -> Option<&'a str> {
    match value {
        MsgValue::Str(bytes) | MsgValue::Bin(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    }
}

/// A `HashMap<String, serde_json::Value>` field. Later duplicates replace earlier ones.
fn json_map(value: &MsgValue<'_>) -> Result<Map<String, Value>, String> {
    let MsgValue::Map(entries) = value else {
        return Err("expected a map".into());
    };
    let mut map = Map::new();
    for (key, item) in entries {
        let key = string_like(key).ok_or("a map key is not a string")?;
        map.insert(key.to_owned(), json_value(item)?);
    }
    Ok(map)
}

/// A `serde_json::Value` as rmp_serde produces one: no binaries, no extensions, no invalid UTF-8;
/// non-finite floats become `null`; the first key of a map must be a string proper (not binary).
fn json_value(value: &MsgValue<'_>) -> Result<Value, String> {
    Ok(match value {
        MsgValue::Nil => Value::Null,
        MsgValue::Bool(b) => Value::Bool(*b),
        MsgValue::UInt(n) => Value::Number(Number::from(*n)),
        MsgValue::Int(n) => Value::Number(Number::from(*n)),
        MsgValue::F32(x) => Number::from_f64(f64::from(*x)).map_or(Value::Null, Value::Number),
        MsgValue::F64(x) => Number::from_f64(*x).map_or(Value::Null, Value::Number),
        MsgValue::Str(bytes) => {
            Value::String(std::str::from_utf8(bytes).map_err(|_| "a string is not UTF-8")?.to_owned())
        }
        MsgValue::Bin(_) => return Err("binary data is not a JSON value".into()),
        MsgValue::Ext(..) => return Err("an extension type is not a JSON value".into()),
        MsgValue::Array(items) => Value::Array(items.iter().map(json_value).collect::<Result<_, _>>()?),
        MsgValue::Map(entries) => {
            if let Some((first_key, _)) = entries.first()
                && !matches!(first_key, MsgValue::Str(_))
            {
                return Err("the first key of a map is not a string".into());
            }
            let mut map = Map::new();
            for (key, item) in entries {
                let key = string_like(key).ok_or("a map key is not a string")?;
                map.insert(key.to_owned(), json_value(item)?);
            }
            Value::Object(map)
        }
    })
}
