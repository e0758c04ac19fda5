//! Log lines (audit events, upstream failures), in a test binary of their own: they are captured
//! with a thread-local `tracing` subscriber, and other tests emitting the same events on other
//! threads at the same time can leave the shared callsite cache saying nobody listens.

mod audit;
mod capture;
#[path = "../api/helpers.rs"]
#[allow(dead_code)] // The audit test uses part of the API tests' stack.
mod helpers;
#[path = "../common/local_client.rs"]
mod local_client;
mod upstream_logs;
