//! The wine model: what an `.apr` reader hands over (`DecodedApr`), why a model cannot be used
//! (`ModelError`), and the checks that turn a decoded file into the arrays the predictor uses.
//! The readers (`apr_v1`, `apr_crate`) build on these types; `load` picks one and reads the file.

use std::fmt;

use serde_json::Value;

use crate::contract::{FEATURE_COUNT, FEATURE_NAMES};
use crate::request::Kind;

/// A checked wine model, ready to predict.
#[derive(Debug, Clone, PartialEq)]
pub struct WineModel {
    pub coefficients: [f32; FEATURE_COUNT],
    pub intercept: f32,
    pub feature_means: [f64; FEATURE_COUNT],
    pub feature_mins: [f64; FEATURE_COUNT],
    pub feature_maxs: [f64; FEATURE_COUNT],
}

/// What an `.apr` reader hands over: the LinearRegression payload and the metadata's
/// `custom.wine_quality` entry, still unchecked.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedApr {
    pub coefficients: Option<Vec<f32>>,
    pub intercept: f32,
    pub fit_intercept: bool,
    pub wine_quality: Option<Value>,
}

/// Why a model cannot be used. `Display` is the message sent to `POST /runtime/init/error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelError {
    Unreadable {
        path: String,
        reason: String,
    },
    TooSmall {
        file_bytes: usize,
    },
    CrcMismatch {
        stored: u32,
        computed: u32,
    },
    BadMagic([u8; 4]),
    UnsupportedVersion {
        major: u8,
        minor: u8,
    },
    WrongModelType(u16),
    SizesExceedFile {
        metadata_bytes: u32,
        payload_bytes: u32,
        file_bytes: usize,
    },
    UnsupportedCompression(u8),
    UncompressedSizeTooLarge(u32),
    /// The payload is not a bincode LinearRegression; carries the decoder's detail.
    Payload(String),
    /// The metadata is not the MessagePack map the format defines; carries the decoder's detail.
    Metadata(String),
    /// The file is a valid `.apr` LinearRegression but not a usable wine model.
    NotAWineModel(String),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Unreadable { path, reason } => {
                write!(f, "cannot read model file '{path}': {reason}")
            }
            ModelError::TooSmall { file_bytes } => {
                write!(f, "model file is {file_bytes} bytes, smaller than the 36 bytes of an empty .apr v1 file")
            }
            ModelError::CrcMismatch { stored, computed } => {
                write!(f, "model CRC32 mismatch: stored 0x{stored:08x}, computed 0x{computed:08x}")
            }
            ModelError::BadMagic(magic) => write!(
                f,
                "model magic is {:02x} {:02x} {:02x} {:02x}, expected 41 50 52 4e (\"APRN\")",
                magic[0], magic[1], magic[2], magic[3]
            ),
            ModelError::UnsupportedVersion { major, minor } => {
                write!(f, "model format version {major}.{minor} is not supported (major version 1 at most)")
            }
            ModelError::WrongModelType(model_type) => {
                write!(f, "model type is 0x{model_type:04x}, expected 0x0001 (LinearRegression)")
            }
            ModelError::SizesExceedFile { metadata_bytes, payload_bytes, file_bytes } => write!(
                f,
                "model sizes exceed the file: 32 header + {metadata_bytes} metadata + \
                 {payload_bytes} payload + 4 CRC32 bytes > {file_bytes} bytes"
            ),
            ModelError::UnsupportedCompression(code) => {
                write!(f, "model payload compression 0x{code:02x} is not supported (only 0x00, none)")
            }
            ModelError::UncompressedSizeTooLarge(size) => {
                write!(f, "model declares an uncompressed payload of {size} bytes, above the 1 GiB limit")
            }
            ModelError::Payload(detail) => {
                write!(f, "model payload is not a LinearRegression: {detail}")
            }
            ModelError::Metadata(detail) => write!(f, "model metadata is not valid: {detail}"),
            ModelError::NotAWineModel(detail) => write!(f, "model is not a wine model: {detail}"),
        }
    }
}

/// The checks beyond the container format: 11 finite coefficients, and `custom.wine_quality` with
/// the contract's feature names and 11 finite means, minimums and maximums.
pub fn wine_model_from_decoded(decoded: DecodedApr) -> Result<WineModel, ModelError> {
    let not_wine = |detail: String| ModelError::NotAWineModel(detail);
    let coefficients =
        decoded.coefficients.ok_or_else(|| not_wine("the payload has no coefficients (model never fitted)".into()))?;
    let coefficients: [f32; FEATURE_COUNT] = coefficients
        .as_slice()
        .try_into()
        .map_err(|_| not_wine(format!("it has {} coefficients, expected {FEATURE_COUNT}", coefficients.len())))?;
    if let Some(index) = coefficients.iter().position(|c| !c.is_finite()) {
        return Err(not_wine(format!(
            "coefficient {index} ({}) is {}, not a finite number",
            FEATURE_NAMES[index], coefficients[index]
        )));
    }
    if !decoded.intercept.is_finite() {
        return Err(not_wine(format!("the intercept is {}, not a finite number", decoded.intercept)));
    }

    let wine_quality =
        decoded.wine_quality.ok_or_else(|| not_wine("the metadata has no custom.wine_quality".into()))?;
    let Value::Object(wine_quality) = wine_quality else {
        return Err(not_wine(format!("custom.wine_quality must be an object, got {}", Kind::of(&wine_quality).name())));
    };
    let field =
        |name: &str| wine_quality.get(name).ok_or_else(|| not_wine(format!("custom.wine_quality has no {name}")));

    let names = field("feature_names")?;
    let names_match = names.as_array().is_some_and(|names| {
        names.len() == FEATURE_COUNT
            && names.iter().zip(FEATURE_NAMES).all(|(sent, expected)| sent.as_str() == Some(expected))
    });
    if !names_match {
        return Err(not_wine(format!("custom.wine_quality.feature_names is {names}, expected {:?}", FEATURE_NAMES)));
    }

    let numbers = |name: &str| -> Result<[f64; FEATURE_COUNT], ModelError> {
        let value = field(name)?;
        let Value::Array(items) = value else {
            return Err(not_wine(format!(
                "custom.wine_quality.{name} must be an array, got {}",
                Kind::of(value).name()
            )));
        };
        if items.len() != FEATURE_COUNT {
            return Err(not_wine(format!(
                "custom.wine_quality.{name} has {} values, expected {FEATURE_COUNT}",
                items.len()
            )));
        }
        let mut out = [0.0; FEATURE_COUNT];
        for (index, item) in items.iter().enumerate() {
            out[index] = item.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                not_wine(format!("custom.wine_quality.{name}[{index}] is {item}, not a finite number"))
            })?;
        }
        Ok(out)
    };
    let feature_means = numbers("feature_means")?;
    let feature_mins = numbers("feature_mins")?;
    let feature_maxs = numbers("feature_maxs")?;
    if let Some(index) = (0..FEATURE_COUNT).find(|&i| feature_mins[i] > feature_maxs[i]) {
        return Err(not_wine(format!(
            "custom.wine_quality.feature_mins[{index}] ({}) = {} is above feature_maxs[{index}] = {}",
            FEATURE_NAMES[index], feature_mins[index], feature_maxs[index]
        )));
    }

    Ok(WineModel { coefficients, intercept: decoded.intercept, feature_means, feature_mins, feature_maxs })
}
