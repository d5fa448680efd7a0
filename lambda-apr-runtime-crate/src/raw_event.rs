//! Hands the handler the event's bytes, as the Runtime API delivered them.
//!
//! `lambda_runtime` parses every event with serde_json into the handler's payload type before the
//! handler runs, and answers an event that does not parse itself (errorType
//! `...DeserializeError`, its own message). The contract (docs/CONTRACT.md) decides on the bytes:
//! their size, strict JSON, `InvalidInput` with its own messages. So [`RawEventLayer`], added with
//! `Runtime::layer` (the crate's extension point for middleware, which sees each
//! `LambdaInvocation` with its raw body), keeps the body in an [`EventBytes`] slot, and the
//! handler's payload type [`Unparsed`] reads nothing, so the crate's parse cannot fail.
//! Invocations are handled one at a time (the crate's default), so the slot holds one event.

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use lambda_runtime::LambdaInvocation;
use serde::{Deserialize, Deserializer};
use tower::{Layer, Service};

/// The current event's bytes, shared by the layer (which puts them) and the handler (which takes them).
#[derive(Clone, Default)]
pub struct EventBytes(Arc<Mutex<Option<Bytes>>>);

impl EventBytes {
    fn put(&self, event: Bytes) {
        *self.0.lock().expect("the slot's lock is never held across a panic") = Some(event);
    }

    /// The event of the invocation being handled; empty if none was put (cannot happen behind the layer).
    pub fn take(&self) -> Bytes {
        self.0.lock().expect("the slot's lock is never held across a panic").take().unwrap_or_default()
    }
}

/// The handler's payload type: consumes no input, so deserializing it always succeeds.
pub struct Unparsed;

impl<'de> Deserialize<'de> for Unparsed {
    fn deserialize<D: Deserializer<'de>>(_deserializer: D) -> Result<Unparsed, D::Error> {
        Ok(Unparsed)
    }
}

pub struct RawEventLayer {
    events: EventBytes,
}

impl RawEventLayer {
    pub fn new(events: EventBytes) -> RawEventLayer {
        RawEventLayer { events }
    }
}

impl<S> Layer<S> for RawEventLayer {
    type Service = RawEventService<S>;

    fn layer(&self, inner: S) -> RawEventService<S> {
        RawEventService { inner, events: self.events.clone() }
    }
}

pub struct RawEventService<S> {
    inner: S,
    events: EventBytes,
}

impl<S: Service<LambdaInvocation>> Service<LambdaInvocation> for RawEventService<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, invocation: LambdaInvocation) -> S::Future {
        // Bytes clones share the buffer: no copy of the event.
        self.events.put(invocation.body.clone());
        self.inner.call(invocation)
    }
}
