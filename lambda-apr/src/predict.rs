//! The prediction and the fields derived from it, as docs/CONTRACT.md defines them.

use crate::contract::{FEATURE_COUNT, FEATURE_NAMES};
use crate::model::WineModel;
use crate::request::{Features, InputError};

/// Everything in an answer except timings and the runtime name.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub quality: f32,
    pub category: &'static str,
    pub confidence: f64,
    pub top_factors: [&'static str; 3],
}

pub fn predict(model: &WineModel, features: &Features) -> Result<Prediction, InputError> {
    let quality = quality(model, &features.as_f32);
    if !quality.is_finite() {
        return Err(InputError::NonFinitePrediction);
    }
    Ok(Prediction {
        quality,
        category: category(quality),
        confidence: confidence(model, &features.as_sent),
        top_factors: top_factors(model, &features.as_sent),
    })
}

/// `intercept + Σ coefficient[i] · x[i]` in float32: the dot product first, then the intercept, as
/// a linear layer computes it (no fused multiply-add, which Rust never introduces on its own).
pub fn quality(model: &WineModel, x: &[f32; FEATURE_COUNT]) -> f32 {
    let dot = model.coefficients.iter().zip(x).fold(0.0_f32, |sum, (c, x)| sum + c * x);
    dot + model.intercept
}

pub fn category(quality: f32) -> &'static str {
    if quality < 5.0 {
        "Poor"
    } else if quality < 7.0 {
        "Average"
    } else if quality < 8.0 {
        "Good"
    } else {
        "Excellent"
    }
}

/// The share of inputs inside the training range `[min, max]`, compared in float64 on the values
/// as sent.
pub fn confidence(model: &WineModel, x: &[f64; FEATURE_COUNT]) -> f64 {
    let inside = (0..FEATURE_COUNT).filter(|&i| model.feature_mins[i] <= x[i] && x[i] <= model.feature_maxs[i]).count();
    inside as f64 / FEATURE_COUNT as f64
}

/// The three features with the largest `|float64(coefficient) · (x − mean)|`; on ties the earlier
/// feature wins. All terms are finite: inputs are within float32 range and the model is checked.
pub fn top_factors(model: &WineModel, x: &[f64; FEATURE_COUNT]) -> [&'static str; 3] {
    let impact: [f64; FEATURE_COUNT] =
        std::array::from_fn(|i| (f64::from(model.coefficients[i]) * (x[i] - model.feature_means[i])).abs());
    let mut chosen = [0usize; 3];
    for rank in 0..3 {
        let mut best: Option<usize> = None;
        for i in (0..FEATURE_COUNT).filter(|i| !chosen[..rank].contains(i)) {
            // Strictly greater: among equal impacts the earlier feature stays chosen.
            if best.is_none_or(|b| impact[i] > impact[b]) {
                best = Some(i);
            }
        }
        chosen[rank] = best.expect("11 features leave a candidate for each of 3 ranks");
    }
    chosen.map(|i| FEATURE_NAMES[i])
}
