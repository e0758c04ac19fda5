//! `cognito-authsignal`: lets people signed in to an Amazon Cognito user pool manage their
//! Authsignal authenticators. Every decision lives in this library, put together in [`app`];
//! the CLI (`cli/`) and the Lambda functions (`functions/`) only call it, and the local stack
//! (`local/`) is a crate of its own that this one never links.

pub mod api;
pub mod app;
pub mod auth;
pub mod authsignal;
pub mod config;
pub mod contact;
pub mod digest;
pub mod directory;
pub mod events;
pub mod http_client;
pub mod integrations;
pub mod lambda;
pub mod notifier;
pub mod redact;
pub mod replay;
pub mod revocation;
pub mod secrets;
pub mod server;
pub mod telemetry;
pub mod triggers;
pub mod verified_contacts;

pub use config::Config;
