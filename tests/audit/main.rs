//! Log lines (audit events, upstream failures), in a test binary of their own: they are captured
//! with a thread-local `tracing` subscriber, and other tests emitting the same events on other
//! threads at the same time can leave the shared callsite cache saying nobody listens.

mod audit;
mod capture;
use cognito_authsignal_test_support::stack as helpers;
mod upstream_logs;
