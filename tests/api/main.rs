//! Integration tests for the HTTP API: rules, upstream failures, audit, OpenAPI, Lambda, end to end.

mod audit;
mod helpers;
mod rules;
mod upstream;
