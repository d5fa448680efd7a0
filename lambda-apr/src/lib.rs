//! The wine-quality Lambda function: a custom runtime (no async runtime, no HTTP crate) serving a
//! linear regression read from an Aprender `.apr` v1 file.
//!
//! `handler::Handler::handle` is the function as a pure transformation of event bytes; the
//! `runtime_api` module connects it to Lambda and `cli` to a terminal.

pub mod base64;
pub mod cli;
pub mod contract;
pub mod handler;
pub mod http;
pub mod load;
pub mod model;
pub mod msgpack;
pub mod predict;
pub mod request;
pub mod runtime_api;

#[cfg(feature = "apr-format-reader")]
pub mod apr_crate;
pub mod apr_v1;
