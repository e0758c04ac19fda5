//! The embedded local stack, mounted only by `cognito-authsignal dev` and the tests, never by
//! `serve`: a Cognito-compatible user pool (token issuer and CUSTOM_AUTH endpoint) and an
//! Authsignal emulator.

pub mod authsignal;
pub mod aws;
pub mod cognito;
pub mod dev;
pub mod keys;
pub mod web_app;

pub use cognito::issuer::{LocalIssuer, TokenRequest};
