//! The request path: any bytes as an event, as a proxy body, or as a base64 proxy body. No input
//! may panic; every answer is JSON and every refusal carries a message.
#![no_main]

use std::sync::OnceLock;

use apr_wine_lambda::handler::{Handler, Outcome};
use apr_wine_lambda::load::{ModelSource, load_model};
use libfuzzer_sys::fuzz_target;

fn handler() -> &'static Handler {
    static HANDLER: OnceLock<Handler> = OnceLock::new();
    HANDLER.get_or_init(|| Handler::new(load_model(ModelSource::Embedded).expect("embedded model"), 0.0))
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let event = match mode % 3 {
        0 => rest.to_vec(),
        1 => serde_json::json!({ "body": String::from_utf8_lossy(rest) }).to_string().into_bytes(),
        _ => serde_json::json!({ "body": base64(rest), "isBase64Encoded": true }).to_string().into_bytes(),
    };
    match handler().handle(&event) {
        Outcome::Response(answer) => {
            let answer: serde_json::Value = serde_json::from_slice(&answer).expect("answers are JSON");
            assert!(answer.is_object());
        }
        Outcome::InvalidInput(error) => {
            assert!(mode % 3 == 0, "a proxy event never fails the invocation");
            assert!(!error.to_string().is_empty());
        }
    }
});
