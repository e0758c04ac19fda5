//! Integration tests for the HTTP API: rules, upstream failures, audit, OpenAPI, Lambda, end to end.

mod audit;
mod clients;
#[path = "../common/dev.rs"]
mod dev;
mod e2e;
mod helpers;
mod lambda;
#[path = "../common/local_client.rs"]
mod local_client;
mod openapi;
mod rules;
mod token_kinds;
mod upstream;
