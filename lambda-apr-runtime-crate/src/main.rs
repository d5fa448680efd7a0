//! `bootstrap`: lambda-apr's handler (`Handler::handle`, event bytes in, answer out) served by AWS's
//! `lambda_runtime` crate instead of lambda-apr's own `std::net` Runtime API loop. Same model (embedded
//! `wine.apr`), same answers, same release profile; what differs is tokio, hyper and the crate.

mod raw_event;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use apr_wine_lambda::contract::INVALID_INPUT_ERROR_TYPE;
use apr_wine_lambda::handler::{Handler, Outcome};
use apr_wine_lambda::load::{ModelSource, load_model};
use lambda_runtime::{Diagnostic, LambdaEvent, Runtime, service_fn};
use serde_json::value::RawValue;

use raw_event::{EventBytes, RawEventLayer, Unparsed};

#[tokio::main]
async fn main() -> ExitCode {
    let started = Instant::now();
    let model = match load_model(ModelSource::Embedded) {
        Ok(model) => model,
        Err(error) => {
            // The crate offers no public call for POST /runtime/init/error; exiting during init makes
            // Lambda report the init as failed (Runtime.ExitError) with this line in the log.
            eprintln!("bootstrap: {error}");
            return ExitCode::FAILURE;
        }
    };
    let handler = Arc::new(Handler::new(model, started.elapsed().as_nanos() as f64 / 1000.0));
    let events = EventBytes::default();
    let function = {
        let events = events.clone();
        service_fn(move |_: LambdaEvent<Unparsed>| {
            let answer = respond(&handler, &events.take());
            async move { answer }
        })
    };
    match Runtime::new(function).layer(RawEventLayer::new(events)).run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bootstrap: stopping: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The handler's outcome as the crate posts it: the answer JSON unchanged, or an `InvalidInput` error
/// (`{"errorType", "errorMessage"}` to `/invocation/{id}/error`).
fn respond(handler: &Handler, event: &[u8]) -> Result<Box<RawValue>, Diagnostic> {
    match handler.handle(event) {
        Outcome::Response(answer) => {
            let json = String::from_utf8(answer).expect("the handler writes UTF-8 JSON");
            Ok(RawValue::from_string(json).expect("the handler writes valid JSON"))
        }
        Outcome::InvalidInput(error) => {
            Err(Diagnostic { error_type: INVALID_INPUT_ERROR_TYPE.into(), error_message: error.to_string() })
        }
    }
}
