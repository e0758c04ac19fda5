//! Integration tests for token verification: hostile tokens, the JWKS cache, moto, the CLI.

mod cli;
mod connections;
#[path = "../common/dev.rs"]
mod dev;
mod helpers;
mod hostile_tokens;
mod jwks_cache;
mod moto;
#[path = "../common/moto.rs"]
mod moto_server;
mod verified_cache;
