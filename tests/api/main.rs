//! Integration tests for the HTTP API: rules, upstream failures, audit, OpenAPI, Lambda, end to
//! end (passkeys with a software authenticator, and the example web app in Chromium).

mod check_order;
mod clients;
use cognito_authsignal_test_support::dev;
mod e2e;
mod events;
use cognito_authsignal_test_support::stack as helpers;
mod lambda;
use cognito_authsignal_test_support::local_client;
use cognito_authsignal_test_support::moto;
mod notices;
mod openapi;
mod passkeys;
mod replay;
mod reset;
mod revocation;
mod rules;
mod sign_outs;
use cognito_authsignal_test_support::soft_passkey;
mod token_kinds;
mod upstream;
mod user_search;
mod web_app;
