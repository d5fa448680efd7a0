//! Loading the wine model: the bytes from where the caller says (embedded, or a file), decoded by
//! the `.apr` reader this build was configured with, then checked (`model`). The one module that
//! knows both the readers and the model, so that neither depends on the other's choice.

use std::path::Path;

use crate::model::{ModelError, WineModel, wine_model_from_decoded};

/// The model this binary was built with (`lambda-apr/model/wine.apr`).
pub static EMBEDDED_MODEL: &[u8] = include_bytes!("../model/wine.apr");

/// Where the model comes from; the caller decides (the binary: `APR_MODEL_PATH`, else embedded).
#[derive(Debug, Clone, Copy)]
pub enum ModelSource<'a> {
    Embedded,
    File(&'a Path),
}

/// Reads and checks the model from `source`.
pub fn load_model(source: ModelSource<'_>) -> Result<WineModel, ModelError> {
    match source {
        ModelSource::Embedded => wine_model_from_apr(EMBEDDED_MODEL),
        ModelSource::File(path) => {
            let bytes = std::fs::read(path).map_err(|error| ModelError::Unreadable {
                path: path.display().to_string(),
                reason: error.to_string(),
            })?;
            wine_model_from_apr(&bytes)
        }
    }
}

/// Decodes an `.apr` file with the reader this build was configured with, then checks that it is
/// a usable wine model.
pub fn wine_model_from_apr(bytes: &[u8]) -> Result<WineModel, ModelError> {
    #[cfg(feature = "apr-format-reader")]
    let decoded = crate::apr_crate::read_linear_regression(bytes)?;
    #[cfg(not(feature = "apr-format-reader"))]
    let decoded = crate::apr_v1::read_linear_regression(bytes)?;
    wine_model_from_decoded(decoded)
}
