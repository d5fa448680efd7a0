//! Warm-path timings in one process: `Handler::handle` on the contract's reference payload (direct,
//! proxy, proxy base64), base64 decoding (ours against the `base64` crate) and model decoding
//! (apr-format against our reader), each repeated after a warm-up.
//!
//! cargo run --release --example handler_bench -- --calls 200000
//!
//! Prints one JSON document; scripts/bench-apr.ts summarises it.

use std::hint::black_box;
use std::time::Instant;

use apr_wine_lambda::handler::{Handler, Outcome};
use apr_wine_lambda::load::{EMBEDDED_MODEL, ModelSource, load_model};
use apr_wine_lambda::model::wine_model_from_decoded;
use base64::Engine as _;

const REFERENCE_EVENT: &str = r#"{"fixed_acidity":7.0,"volatile_acidity":0.3,"citric_acid":0.3,"residual_sugar":2.0,"chlorides":0.05,"free_sulfur_dioxide":30.0,"total_sulfur_dioxide":100.0,"density":0.995,"pH":3.3,"sulphates":0.6,"alcohol":10.5}"#;

/// Per-call nanoseconds of `calls` timed calls after `calls / 10` untimed ones.
fn per_call_ns(calls: usize, mut f: impl FnMut()) -> Vec<u64> {
    for _ in 0..calls / 10 {
        f();
    }
    let mut samples = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        f();
        samples.push(started.elapsed().as_nanos() as u64);
    }
    samples
}

fn json_list(samples: &[u64]) -> String {
    // The full list would be megabytes; percentiles of the sorted samples carry the distribution.
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let mean = sorted.iter().sum::<u64>() as f64 / sorted.len() as f64;
    format!(
        "{{\"calls\":{},\"min_ns\":{},\"p5_ns\":{},\"p25_ns\":{},\"median_ns\":{},\"p75_ns\":{},\"p95_ns\":{},\"p99_ns\":{},\"max_ns\":{},\"mean_ns\":{:.1}}}",
        sorted.len(),
        sorted[0],
        at(0.05),
        at(0.25),
        at(0.5),
        at(0.75),
        at(0.95),
        at(0.99),
        sorted[sorted.len() - 1],
        mean
    )
}

fn main() {
    let mut calls = 100_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--calls" => calls = args.next().and_then(|v| v.parse().ok()).expect("--calls takes a number"),
            other => panic!("unknown argument {other}"),
        }
    }
    let handler = Handler::new(load_model(ModelSource::Embedded).expect("embedded model"), 0.0);
    let encoded = base64::engine::general_purpose::STANDARD.encode(REFERENCE_EVENT);
    let proxy_plain =
        format!(r#"{{"version":"2.0","body":{},"isBase64Encoded":false}}"#, serde_json_string(REFERENCE_EVENT));
    let proxy_base64 = format!(r#"{{"version":"2.0","body":"{encoded}","isBase64Encoded":true}}"#);
    for event in [REFERENCE_EVENT, &proxy_plain, &proxy_base64] {
        assert!(matches!(handler.handle(event.as_bytes()), Outcome::Response(_)), "{event}");
    }

    let handle = |event: &str| per_call_ns(calls, || drop(black_box(handler.handle(black_box(event.as_bytes())))));
    let direct = handle(REFERENCE_EVENT);
    let proxy = handle(&proxy_plain);
    let proxy_b64 = handle(&proxy_base64);

    let ours = per_call_ns(calls, || {
        drop(black_box(apr_wine_lambda::base64::decode_standard_padded(black_box(encoded.as_bytes()))))
    });
    let crate_engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
    );
    let with_crate = per_call_ns(calls, || drop(black_box(crate_engine.decode(black_box(encoded.as_bytes())))));

    let model_calls = (calls / 10).max(1000);
    let own_reader = per_call_ns(model_calls, || {
        let decoded = apr_wine_lambda::apr_v1::read_linear_regression(black_box(EMBEDDED_MODEL)).expect("valid");
        drop(black_box(wine_model_from_decoded(decoded)))
    });
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Lr {
        coefficients: Option<Vec<f32>>,
        intercept: f32,
        fit_intercept: bool,
    }
    let apr_format_reader = per_call_ns(model_calls, || {
        let payload: Lr =
            apr_format::load_from_bytes(black_box(EMBEDDED_MODEL), apr_format::ModelType::LinearRegression)
                .expect("valid");
        let info = apr_format::inspect_bytes(black_box(EMBEDDED_MODEL)).expect("valid");
        drop(black_box((payload, info)));
    });

    println!(
        "{{\"handle_direct\":{},\"handle_proxy\":{},\"handle_proxy_base64\":{},\"base64_ours\":{},\"base64_crate\":{},\
         \"base64_input_bytes\":{},\"model_decode_own_reader\":{},\"model_decode_apr_format\":{}}}",
        json_list(&direct),
        json_list(&proxy),
        json_list(&proxy_b64),
        json_list(&ours),
        json_list(&with_crate),
        encoded.len(),
        json_list(&own_reader),
        json_list(&apr_format_reader)
    );
}

fn serde_json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}
