//! The embedded local stack, mounted only by `cognito-authsignal dev` and the tests, never by
//! `serve`: a Cognito-compatible token issuer and an Authsignal emulator.

pub mod authsignal;
pub mod issuer;
pub mod keys;

pub use issuer::{LocalIssuer, TokenRequest};
