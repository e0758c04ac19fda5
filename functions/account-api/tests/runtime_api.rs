//! Black box: the built `account-api` binary, driven through a local Lambda Runtime API (the
//! HTTP protocol Lambda speaks to custom runtimes), answers an API Gateway v2 event with 200
//! for a valid token and 401 without one, and warns at start that the step-up replay table is
//! not configured. Cognito's JWKS and Authsignal are the local stack.

mod common;
use cognito_authsignal_test_support::runtime_api;

use common::{CLIENT_ID, LocalStack, list_event};
use runtime_api::RuntimeApi;
use serde_json::Value;

#[tokio::test]
async fn the_built_function_answers_api_gateway_events_through_the_runtime_api() {
    // The local stack: Cognito-compatible issuer and Authsignal emulator.
    let secret = "sk_runtime_api_test";
    let stack = LocalStack::start("eu-west-1_RuntimeApi", secret).await;

    // The Runtime API with two invocations queued.
    let token = stack.token("u-runtime");
    let runtime = RuntimeApi::start(vec![
        ("req-valid".to_owned(), list_event(Some(&token))),
        ("req-no-token".to_owned(), list_event(None)),
    ])
    .await;

    let _function = runtime.spawn(
        env!("CARGO_BIN_EXE_account-api"),
        "account-api",
        &[
            ("COGNITO_USER_POOL_ID", &stack.user_pool_id),
            ("COGNITO_CLIENT_IDS", CLIENT_ID),
            ("COGNITO_JWKS_URL", &stack.jwks_url),
            ("AUTHSIGNAL_API_URL", &stack.authsignal_url),
            ("AUTHSIGNAL_SECRET_KEY", secret),
        ],
    );

    let outcomes = runtime.outcomes(2).await;
    let valid = outcomes["req-valid"].response();
    assert_eq!(valid["statusCode"], 200, "{valid}");
    let body: Value = serde_json::from_str(valid["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, serde_json::json!({ "authenticators": [] }));
    let refused = outcomes["req-no-token"].response();
    assert_eq!(refused["statusCode"], 401, "{refused}");
    assert_eq!(
        refused["headers"]["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    assert_eq!(
        refused["headers"]["content-type"],
        "application/problem+json"
    );
    // Without REPLAY_TABLE_NAME, the function says at start that step-up replay protection
    // holds per warm instance only.
    let logs = runtime.logs();
    assert!(
        logs.iter()
            .any(|line| line.contains("WARN") && line.contains("REPLAY_TABLE_NAME is unset")),
        "{logs:#?}"
    );
}
