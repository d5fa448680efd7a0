//! apr-pack: the bridge between training (TypeScript) and Aprender's `.apr` container.
//!
//! `apr-pack write OUT` reads a trained model description (JSON) on stdin and writes it with
//! `apr_format::save`, so the file is by construction what the format's reference implementation writes.
//! `apr-pack inspect FILE` loads a file with `apr_format` and prints the model and metadata as JSON, which
//! tests use to prove a file loads with the reference reader.

use apr_format::{Compression, Metadata, ModelType, SaveOptions, TrainingInfo};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Read;
use std::process::ExitCode;

/// Aprender's `LinearRegression` as bincode sees it: aprender's `Vector<f32>` serializes exactly like
/// a `Vec<f32>` (a struct with one field has no framing in bincode).
#[derive(Debug, Serialize, Deserialize)]
struct LinearRegression {
    coefficients: Option<Vec<f32>>,
    intercept: f32,
    fit_intercept: bool,
}

/// What training hands over. Every float is float64 text that parses back exactly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainedModel {
    created_at: String,
    model_name: String,
    description: String,
    coefficients: Vec<f64>,
    intercept: f64,
    samples: usize,
    source: String,
    solver: String,
    metrics: TrainingMetrics,
    features: FeatureStatistics,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainingMetrics {
    rmse: f64,
    r2: f64,
    cv10_rmse: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeatureStatistics {
    names: Vec<String>,
    means: Vec<f64>,
    mins: Vec<f64>,
    maxs: Vec<f64>,
    target: String,
    dataset: String,
}

fn to_f32_exact(name: &str, value: f64) -> Result<f32, String> {
    let narrowed = value as f32;
    if f64::from(narrowed) != value {
        return Err(format!("{name} = {value} is not a float32 value; training must round it first"));
    }
    Ok(narrowed)
}

fn build(trained: TrainedModel) -> Result<(LinearRegression, SaveOptions), String> {
    let n = trained.features.names.len();
    for (what, len) in [
        ("coefficients", trained.coefficients.len()),
        ("features.means", trained.features.means.len()),
        ("features.mins", trained.features.mins.len()),
        ("features.maxs", trained.features.maxs.len()),
    ] {
        if len != n {
            return Err(format!("{what} has {len} values but there are {n} feature names"));
        }
    }
    let coefficients = trained
        .coefficients
        .iter()
        .enumerate()
        .map(|(i, &c)| to_f32_exact(&format!("coefficients[{i}]"), c))
        .collect::<Result<Vec<f32>, String>>()?;
    let model = LinearRegression {
        coefficients: Some(coefficients),
        intercept: to_f32_exact("intercept", trained.intercept)?,
        fit_intercept: true,
    };

    // Each HashMap holds exactly one key: apr-format stores these maps as std HashMaps, whose iteration
    // order is random per process, so more than one key would make the file differ from run to run.
    // The values are serde_json objects (BTreeMap, sorted keys), which serialize deterministically.
    let custom = HashMap::from([(
        "wine_quality".to_string(),
        json!({
            "feature_names": trained.features.names,
            "feature_means": trained.features.means,
            "feature_mins": trained.features.mins,
            "feature_maxs": trained.features.maxs,
            "target": trained.features.target,
            "dataset": trained.features.dataset,
        }),
    )]);
    let metrics = HashMap::from([(
        "training".to_string(),
        json!({
            "rmse": trained.metrics.rmse,
            "r2": trained.metrics.r2,
            "cv10_rmse": trained.metrics.cv10_rmse,
            "samples": trained.samples,
        }),
    )]);
    let hyperparameters = HashMap::from([("solver".to_string(), Value::String(trained.solver))]);

    let metadata = Metadata {
        created_at: trained.created_at,
        model_name: Some(trained.model_name),
        description: Some(trained.description),
        training: Some(TrainingInfo {
            samples: Some(trained.samples),
            duration_ms: None,
            source: Some(trained.source),
        }),
        hyperparameters,
        metrics,
        custom,
        // aprender_version stays apr-format's own default: the version of the writer that made the file.
        ..Metadata::default()
    };
    let options = SaveOptions { compression: Compression::None, metadata, quality_score: None };
    Ok((model, options))
}

fn write(out: &str) -> Result<(), String> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).map_err(|e| format!("reading stdin: {e}"))?;
    let trained: TrainedModel =
        serde_json::from_str(&input).map_err(|e| format!("trained model description: {e}"))?;
    let (model, options) = build(trained)?;
    apr_format::save(&model, ModelType::LinearRegression, out, options)
        .map_err(|e| format!("writing {out}: {e}"))
}

fn inspect(path: &str) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
    let model: LinearRegression = apr_format::load_from_bytes(&bytes, ModelType::LinearRegression)
        .map_err(|e| format!("{path}: {e}"))?;
    let info = apr_format::inspect_bytes(&bytes).map_err(|e| format!("{path}: {e}"))?;
    let m = &info.metadata;
    let report = json!({
        "format_version": [info.format_version.0, info.format_version.1],
        "model_type": format!("{:?}", info.model_type),
        "payload_size": info.payload_size,
        "coefficients": model.coefficients,
        "intercept": model.intercept,
        "fit_intercept": model.fit_intercept,
        "metadata": {
            "created_at": m.created_at,
            "aprender_version": m.aprender_version,
            "model_name": m.model_name,
            "description": m.description,
            "training": m.training.as_ref().map(|t| json!({"samples": t.samples, "source": t.source})),
            "hyperparameters": m.hyperparameters,
            "metrics": m.metrics,
            "custom": m.custom,
        },
    });
    println!("{report}");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [_, "write", out] => write(out),
        [_, "inspect", path] => inspect(path),
        _ => Err("usage: apr-pack write OUT.apr < trained.json | apr-pack inspect FILE.apr".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("apr-pack: {message}");
            ExitCode::FAILURE
        }
    }
}
