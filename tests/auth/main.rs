//! Integration tests for token verification: hostile tokens, the JWKS cache, moto, the CLI.

mod cli;
mod connections;
use cognito_authsignal_test_support::dev;
mod helpers;
mod hostile_tokens;
mod jwks_cache;
mod moto;
use cognito_authsignal_test_support::moto as moto_server;
mod verified_cache;
