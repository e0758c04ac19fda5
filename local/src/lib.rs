//! The local stack: stand-ins for the services `cognito-authsignal` talks to, so that it runs
//! and is tested on one machine, offline. It knows nothing of the product it serves:
//!
//! - [`cognito`]: a Cognito user pool (AWS JSON 1.1 at `/local/cognito/`, SRP, sessions, the
//!   custom-auth flow) whose triggers run through a [`cognito::TriggerInvoker`] the caller
//!   provides, and a token issuer with its JWKS;
//! - [`authsignal`]: an Authsignal emulator (a Server API subset, the Client API that
//!   `@authsignal/browser` calls for email OTP and passkeys, a pre-built UI stand-in, an outbox);
//! - [`aws`]: a `moto_server` with a table and an event bus forwarded to a queue;
//! - [`web_app`]: the example app's file server and its configuration.

pub mod authsignal;
pub mod aws;
pub mod cognito;
pub mod contact;
pub mod keys;
pub mod problem;
pub mod web_app;

pub use cognito::issuer::{LocalIssuer, TokenRequest};
