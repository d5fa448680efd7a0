//! The Lambda Runtime API (2018-06-01) client and the invocation loop.
//! <https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>

use std::fmt;

use crate::contract::{INVALID_INPUT_ERROR_TYPE, MAX_EVENT_BYTES};
use crate::handler::{Handler, Outcome, error_document};
use crate::http::{HttpClient, HttpError, Response};

const NEXT_PATH: &str = "/2018-06-01/runtime/invocation/next";
const INIT_ERROR_PATH: &str = "/2018-06-01/runtime/init/error";
const ERROR_TYPE_HEADER: &str = "Lambda-Runtime-Function-Error-Type";
const REQUEST_ID_HEADER: &str = "Lambda-Runtime-Aws-Request-Id";
/// Event bytes kept: one more than the contract accepts, so that the handler still sees that an
/// oversized event is oversized while memory stays bounded whatever the sender sends.
const MAX_EVENT_BYTES_KEPT: usize = MAX_EVENT_BYTES + 1;
/// Runtime API answers to our posts are a few bytes of JSON.
const MAX_ACK_BYTES: usize = 64 * 1024;

#[derive(Debug)]
pub enum RuntimeApiError {
    Http {
        endpoint: String,
        error: HttpError,
    },
    /// A status the runtime cannot go on after: 500 anywhere, or anything but 200 from `next`.
    Fatal {
        endpoint: String,
        status: u16,
        body: String,
    },
}

impl fmt::Display for RuntimeApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeApiError::Http { endpoint, error } => write!(f, "Runtime API {endpoint}: {error}"),
            RuntimeApiError::Fatal { endpoint, status, body } => {
                write!(f, "Runtime API {endpoint} answered {status}: {body}")
            }
        }
    }
}

/// One event from `GET .../invocation/next`.
#[derive(Debug)]
pub struct Invocation {
    /// `None` when the Runtime API sent no usable request id (nothing can then be answered).
    pub request_id: Option<String>,
    /// The event, cut after [`MAX_EVENT_BYTES_KEPT`] bytes.
    pub event: Vec<u8>,
}

pub struct RuntimeApi {
    client: HttpClient,
}

impl RuntimeApi {
    /// `authority` is `AWS_LAMBDA_RUNTIME_API` (`host:port`).
    pub fn new(authority: &str) -> RuntimeApi {
        RuntimeApi { client: HttpClient::new(authority) }
    }

    pub fn connections_opened(&self) -> u64 {
        self.client.connections_opened()
    }

    pub fn next_invocation(&mut self) -> Result<Invocation, RuntimeApiError> {
        let response = self
            .client
            .request("GET", NEXT_PATH, &[], None, MAX_EVENT_BYTES_KEPT)
            .map_err(|error| RuntimeApiError::Http { endpoint: NEXT_PATH.into(), error })?;
        if response.status != 200 {
            return Err(fatal(NEXT_PATH, &response));
        }
        let request_id = response.header(REQUEST_ID_HEADER).filter(|id| !id.is_empty()).map(str::to_owned);
        Ok(Invocation { request_id, event: response.body })
    }

    pub fn send_response(&mut self, request_id: &str, body: &[u8]) -> Result<(), RuntimeApiError> {
        let path = format!("/2018-06-01/runtime/invocation/{}/response", path_segment(request_id));
        self.post(&path, &[("Content-Type", "application/json")], body)
    }

    pub fn send_error(&mut self, request_id: &str, error_type: &str, message: &str) -> Result<(), RuntimeApiError> {
        let path = format!("/2018-06-01/runtime/invocation/{}/error", path_segment(request_id));
        self.post_error(&path, error_type, message)
    }

    pub fn send_init_error(&mut self, error_type: &str, message: &str) -> Result<(), RuntimeApiError> {
        self.post_error(INIT_ERROR_PATH, error_type, message)
    }

    fn post_error(&mut self, path: &str, error_type: &str, message: &str) -> Result<(), RuntimeApiError> {
        let body = error_document(message, error_type);
        self.post(path, &[("Content-Type", "application/json"), (ERROR_TYPE_HEADER, error_type)], &body)
    }

    /// 202 is success; 500 is fatal; other refusals (400, 403, 413) concern this one post only,
    /// so they are logged and the runtime goes on.
    fn post(&mut self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<(), RuntimeApiError> {
        let response = self
            .client
            .request("POST", path, headers, Some(body), MAX_ACK_BYTES)
            .map_err(|error| RuntimeApiError::Http { endpoint: path.into(), error })?;
        match response.status {
            200..=299 => Ok(()),
            500..=599 => Err(fatal(path, &response)),
            status => {
                eprintln!(
                    "Runtime API {path} refused the post with {status}: {}",
                    String::from_utf8_lossy(&response.body)
                );
                Ok(())
            }
        }
    }
}

fn fatal(endpoint: &str, response: &Response) -> RuntimeApiError {
    RuntimeApiError::Fatal {
        endpoint: endpoint.into(),
        status: response.status,
        body: String::from_utf8_lossy(&response.body).into_owned(),
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so that no request id can break
/// the request line. Lambda's ids are UUIDs and pass unchanged.
fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Serves invocations until the Runtime API fails or tells us to stop; returns why.
pub fn serve(api: &mut RuntimeApi, handler: &Handler) -> RuntimeApiError {
    loop {
        if let Err(error) = serve_one(api, handler) {
            return error;
        }
    }
}

/// Fetches one event, handles it and posts the outcome.
pub fn serve_one(api: &mut RuntimeApi, handler: &Handler) -> Result<(), RuntimeApiError> {
    let invocation = api.next_invocation()?;
    // The trace header (Lambda-Runtime-Trace-Id) is not propagated into _X_AMZN_TRACE_ID: that
    // variable exists for X-Ray SDKs, and nothing in this process reads it.
    let Some(request_id) = invocation.request_id else {
        eprintln!("Runtime API sent an event without {REQUEST_ID_HEADER}; it cannot be answered");
        return Ok(());
    };
    match handler.handle(&invocation.event) {
        Outcome::Response(body) => api.send_response(&request_id, &body),
        Outcome::InvalidInput(error) => api.send_error(&request_id, INVALID_INPUT_ERROR_TYPE, &error.to_string()),
    }
}
