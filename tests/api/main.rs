//! Integration tests for the HTTP API: rules, upstream failures, audit, OpenAPI, Lambda, end to
//! end (passkeys with a software authenticator, and the example web app in Chromium).

mod check_order;
mod clients;
#[path = "../common/dev.rs"]
mod dev;
mod e2e;
mod events;
mod helpers;
mod lambda;
#[path = "../common/local_client.rs"]
mod local_client;
#[path = "../common/moto.rs"]
mod moto;
mod openapi;
mod passkeys;
mod replay;
mod revocation;
mod rules;
#[path = "../common/soft_passkey.rs"]
mod soft_passkey;
mod token_kinds;
mod upstream;
mod web_app;
