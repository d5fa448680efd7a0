//! The function itself: event bytes in, answer out. No I/O, so tests call it directly.

use std::time::Instant;

use crate::contract::{INVALID_INPUT_ERROR_TYPE, RUNTIME_NAME};
use crate::model::WineModel;
use crate::predict::{Prediction, predict};
use crate::request::{InputError, Request, parse_event};

/// What to tell the Runtime API about one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// JSON for `POST /runtime/invocation/{id}/response`: a direct answer, or a proxy answer with
    /// status 200 or 400.
    Response(Vec<u8>),
    /// A failed direct event: `POST /runtime/invocation/{id}/error` with [`error_document`].
    InvalidInput(InputError),
}

/// Appends a value as JSON (escaped strings, shortest round-trip numbers). A macro because the
/// `Serialize` bound would otherwise need the `serde` crate as a direct dependency.
macro_rules! push_json {
    ($out:expr, $value:expr) => {
        serde_json::to_writer(&mut $out, $value).expect("writing JSON to memory cannot fail")
    };
}

pub struct Handler {
    model: WineModel,
    model_load_us: f64,
}

impl Handler {
    /// `model_load_us` is reported in every answer; the caller measured it at init.
    pub fn new(model: WineModel, model_load_us: f64) -> Handler {
        Handler { model, model_load_us }
    }

    pub fn model(&self) -> &WineModel {
        &self.model
    }

    pub fn handle(&self, event: &[u8]) -> Outcome {
        let started = Instant::now();
        match parse_event(event) {
            Err(error) => Outcome::InvalidInput(error),
            Ok(Request::Direct(features)) => match predict(&self.model, &features) {
                Ok(prediction) => Outcome::Response(self.answer(&prediction, started)),
                Err(error) => Outcome::InvalidInput(error),
            },
            Ok(Request::Proxy(features)) => match features.and_then(|features| predict(&self.model, &features)) {
                Ok(prediction) => {
                    let body = self.answer(&prediction, started);
                    Outcome::Response(http_answer(200, &body))
                }
                Err(error) => Outcome::Response(http_answer(400, &proxy_error_body(&error))),
            },
        }
    }

    fn answer(&self, prediction: &Prediction, started: Instant) -> Vec<u8> {
        let inference_us = started.elapsed().as_nanos() as f64 / 1000.0;
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"{\"quality\":");
        push_json!(out, &prediction.quality);
        out.extend_from_slice(b",\"category\":");
        push_json!(out, prediction.category);
        out.extend_from_slice(b",\"confidence\":");
        push_json!(out, &prediction.confidence);
        out.extend_from_slice(b",\"top_factors\":");
        push_json!(out, &prediction.top_factors);
        out.extend_from_slice(b",\"runtime\":");
        push_json!(out, RUNTIME_NAME);
        out.extend_from_slice(b",\"inference_us\":");
        push_json!(out, &inference_us);
        out.extend_from_slice(b",\"model_load_us\":");
        push_json!(out, &self.model_load_us);
        out.push(b'}');
        out
    }
}

/// The Runtime API error document: `{"errorMessage", "errorType", "stackTrace": []}`.
pub fn error_document(message: &str, error_type: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 80);
    out.extend_from_slice(b"{\"errorMessage\":");
    push_json!(out, message);
    out.extend_from_slice(b",\"errorType\":");
    push_json!(out, error_type);
    out.extend_from_slice(b",\"stackTrace\":[]}");
    out
}

fn proxy_error_body(error: &InputError) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(b"{\"errorType\":");
    push_json!(out, INVALID_INPUT_ERROR_TYPE);
    out.extend_from_slice(b",\"errorMessage\":");
    push_json!(out, &error.to_string());
    out.push(b'}');
    out
}

/// The proxy integration's answer format (Function URL, API Gateway).
fn http_answer(status: u16, json_body: &[u8]) -> Vec<u8> {
    let body = std::str::from_utf8(json_body).expect("serde_json writes UTF-8");
    let mut out = Vec::with_capacity(json_body.len() + 96);
    out.extend_from_slice(b"{\"statusCode\":");
    push_json!(out, &status);
    out.extend_from_slice(b",\"headers\":{\"content-type\":\"application/json\"},\"body\":");
    push_json!(out, body);
    out.push(b'}');
    out
}
