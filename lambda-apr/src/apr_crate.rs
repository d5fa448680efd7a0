//! Reading the `.apr` file with the `apr-format` crate, the format's reference implementation.
//! Built only with the `apr-format-reader` feature (see Cargo.toml for why it is not the default).

use apr_format::{AprFormatError, ModelType};

use crate::model::{DecodedApr, ModelError};

#[derive(serde::Deserialize)]
struct LinearRegression {
    coefficients: Option<Vec<f32>>,
    intercept: f32,
    fit_intercept: bool,
}

pub fn read_linear_regression(file: &[u8]) -> Result<DecodedApr, ModelError> {
    let payload: LinearRegression =
        apr_format::load_from_bytes(file, ModelType::LinearRegression).map_err(|error| model_error(file, error))?;
    let info = apr_format::inspect_bytes(file).map_err(|error| model_error(file, error))?;
    Ok(DecodedApr {
        coefficients: payload.coefficients,
        intercept: payload.intercept,
        fit_intercept: payload.fit_intercept,
        wine_quality: info.metadata.custom.get("wine_quality").cloned(),
    })
}

/// Maps apr-format's errors to ours, filling in the numbers its messages leave out.
fn model_error(file: &[u8], error: AprFormatError) -> ModelError {
    let header_u32 = |at: usize| u32::from_le_bytes([file[at], file[at + 1], file[at + 2], file[at + 3]]);
    match error {
        AprFormatError::ChecksumMismatch { expected, actual } => {
            ModelError::CrcMismatch { stored: expected, computed: actual }
        }
        AprFormatError::UnsupportedVersion { found, .. } => {
            ModelError::UnsupportedVersion { major: found.0, minor: found.1 }
        }
        AprFormatError::InvalidOffset => ModelError::SizesExceedFile {
            metadata_bytes: header_u32(8),
            payload_bytes: header_u32(12),
            file_bytes: file.len(),
        },
        AprFormatError::FormatError { message } if file.len() < 36 => {
            let _ = message;
            ModelError::TooSmall { file_bytes: file.len() }
        }
        AprFormatError::FormatError { message } if message.starts_with("Invalid magic") => {
            ModelError::BadMagic([file[0], file[1], file[2], file[3]])
        }
        AprFormatError::FormatError { message }
            if message.starts_with("Unknown model type") || message.starts_with("Model type mismatch") =>
        {
            ModelError::WrongModelType(u16::from_le_bytes([file[6], file[7]]))
        }
        AprFormatError::FormatError { message } if message.starts_with("Uncompressed size") => {
            ModelError::UncompressedSizeTooLarge(header_u32(16))
        }
        AprFormatError::FormatError { message }
            if message.starts_with("Unknown compression") || message.contains("compression not supported") =>
        {
            ModelError::UnsupportedCompression(file[20])
        }
        AprFormatError::Serialization(detail) if detail.starts_with("Failed to deserialize model") => {
            ModelError::Payload(detail)
        }
        other => ModelError::Metadata(other.to_string()),
    }
}
