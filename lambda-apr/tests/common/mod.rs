//! Shared test material: `.apr` fixtures written by apr-format (the reference implementation), the
//! contract's reference payload and a deterministic PRNG.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use apr_format::{Compression, Metadata, ModelType, SaveOptions};
use apr_wine_lambda::handler::Handler;
use apr_wine_lambda::load::wine_model_from_apr;
use serde::Serialize;
use serde_json::{Value, json};

pub const REFERENCE_PAYLOAD: &str = r#"{"fixed_acidity":7.0,"volatile_acidity":0.3,"citric_acid":0.3,"residual_sugar":2.0,"chlorides":0.05,"free_sulfur_dioxide":30.0,"total_sulfur_dioxide":100.0,"density":0.995,"pH":3.3,"sulphates":0.6,"alcohol":10.5}"#;

pub const FEATURE_NAMES: [&str; 11] = [
    "fixed_acidity",
    "volatile_acidity",
    "citric_acid",
    "residual_sugar",
    "chlorides",
    "free_sulfur_dioxide",
    "total_sulfur_dioxide",
    "density",
    "pH",
    "sulphates",
    "alcohol",
];

/// Ordinary least squares on the UCI red-wine data (float32), statistics of the same data.
pub const FIXTURE_COEFFICIENTS: [f32; 11] = [
    0.024990553,
    -1.0835903,
    -0.18256395,
    0.01633127,
    -1.8742251,
    0.0043613333,
    -0.0032645797,
    -17.881165,
    -0.41365314,
    0.9163344,
    0.2761977,
];
pub const FIXTURE_INTERCEPT: f32 = 21.965208;
pub const FIXTURE_MEANS: [f64; 11] = [
    8.319637273295838,
    0.5278205128205131,
    0.2709756097560964,
    2.5388055034396517,
    0.08746654158849257,
    15.874921826141339,
    46.46779237023139,
    0.9967466791744831,
    3.311113195747343,
    0.6581488430268921,
    10.422983114446502,
];
pub const FIXTURE_MINS: [f64; 11] = [4.6, 0.12, 0.0, 0.9, 0.012, 1.0, 6.0, 0.99007, 2.74, 0.33, 8.4];
pub const FIXTURE_MAXS: [f64; 11] = [15.9, 1.58, 1.0, 15.5, 0.611, 72.0, 289.0, 1.00369, 4.01, 2.0, 14.9];

/// The payload type apr-format serialises (aprender's LinearRegression).
#[derive(Serialize, Clone)]
pub struct LinearRegression {
    pub coefficients: Option<Vec<f32>>,
    pub intercept: f32,
    pub fit_intercept: bool,
}

pub fn fixture_payload() -> LinearRegression {
    LinearRegression {
        coefficients: Some(FIXTURE_COEFFICIENTS.to_vec()),
        intercept: FIXTURE_INTERCEPT,
        fit_intercept: true,
    }
}

pub fn fixture_wine_quality() -> Value {
    json!({
        "feature_names": FEATURE_NAMES,
        "feature_means": FIXTURE_MEANS,
        "feature_mins": FIXTURE_MINS,
        "feature_maxs": FIXTURE_MAXS,
        "target": "quality",
        "dataset": "UCI Wine Quality (red), Cortez et al. 2009",
    })
}

/// A fresh path under Cargo's per-test-target scratch directory.
pub fn scratch_path(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("apr-fixtures");
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir.join(format!("{}-{}-{name}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)))
}

/// Writes `payload` with `custom` as the metadata's custom map, exactly as apr-format does.
pub fn apr_bytes_with(payload: &LinearRegression, custom: Vec<(&str, Value)>) -> Vec<u8> {
    let mut metadata = Metadata {
        created_at: "2026-01-01T00:00:00Z".into(),
        model_name: Some("wine-quality-fixture".into()),
        ..Metadata::default()
    };
    for (key, value) in custom {
        metadata.custom.insert(key.into(), value);
    }
    let options = SaveOptions { compression: Compression::None, metadata, quality_score: None };
    let path = scratch_path("model.apr");
    apr_format::save(payload, ModelType::LinearRegression, &path, options).expect("apr-format writes the fixture");
    let bytes = std::fs::read(&path).expect("read the fixture");
    let _ = std::fs::remove_file(&path);
    bytes
}

/// The fixture wine model as an `.apr` file.
pub fn fixture_apr() -> Vec<u8> {
    apr_bytes_with(&fixture_payload(), vec![("wine_quality", fixture_wine_quality())])
}

/// A fixture with `wine_quality` edited by `edit`.
pub fn fixture_apr_with_wine_quality(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Vec<u8> {
    let mut wine_quality = fixture_wine_quality();
    edit(wine_quality.as_object_mut().expect("object"));
    apr_bytes_with(&fixture_payload(), vec![("wine_quality", wine_quality)])
}

pub fn fixture_handler() -> Handler {
    Handler::new(wine_model_from_apr(&fixture_apr()).expect("the fixture is a valid wine model"), 1.0)
}

/// Recomputes the CRC32 trailer after an edit, so that the checks behind the CRC can be reached.
pub fn with_fixed_crc(mut file: Vec<u8>) -> Vec<u8> {
    let body_len = file.len() - 4;
    let crc = apr_format::crc32(&file[..body_len]);
    file[body_len..].copy_from_slice(&crc.to_le_bytes());
    file
}

/// SplitMix64: small, deterministic, good enough to generate test inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        self.next_u64() % denominator < numerator
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}
