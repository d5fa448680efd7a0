//! The committed wine model must be exactly what apr-format writes for its own model and metadata:
//! load it with apr-format, save the decoded model and metadata again with apr-format, compare bytes.

use apr_format::{Compression, ModelType, SaveOptions};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct LinearRegression {
    coefficients: Option<Vec<f32>>,
    intercept: f32,
    fit_intercept: bool,
}

const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../lambda-apr/model/wine.apr");

#[test]
fn committed_model_is_what_apr_format_writes() {
    let committed = std::fs::read(MODEL).expect("read the committed model");
    let model: LinearRegression =
        apr_format::load_from_bytes(&committed, ModelType::LinearRegression).expect("apr-format loads it");
    assert_eq!(model.coefficients.as_ref().map(Vec::len), Some(11));
    let info = apr_format::inspect_bytes(&committed).expect("apr-format reads its metadata");
    let options = SaveOptions { compression: Compression::None, metadata: info.metadata, quality_score: None };
    let dir = std::env::temp_dir().join(format!("apr-pack-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let again = dir.join("again.apr");
    apr_format::save(&model, ModelType::LinearRegression, &again, options).expect("apr-format saves it");
    let rewritten = std::fs::read(&again).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(rewritten, committed, "apr-format rewrites the committed model to different bytes");
}
