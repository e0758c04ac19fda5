//! Black box: the built `account-api` binary, driven through a local Lambda Runtime API (the
//! HTTP protocol Lambda speaks to custom runtimes), answers an API Gateway v2 event with 200
//! for a valid token and 401 without one, and warns at start that the step-up replay table is
//! not configured. Cognito's JWKS and Authsignal are the local stack.

#[path = "../../../tests/common/runtime_api.rs"]
mod runtime_api;

use std::sync::Arc;

use cognito_authsignal::config::CognitoConfig;
use cognito_authsignal::local::authsignal::{Emulator, routes as emulator_routes};
use cognito_authsignal::local::cognito::issuer::routes as issuer_routes;
use cognito_authsignal::local::{LocalIssuer, TokenRequest};
use runtime_api::RuntimeApi;
use secrecy::SecretString;
use serde_json::Value;

fn event(token: Option<&str>) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/api/fixtures/apigw-v2-list-authenticators.json"
    );
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    match token {
        Some(token) => event["headers"]["authorization"] = Value::String(format!("Bearer {token}")),
        None => {
            event["headers"]
                .as_object_mut()
                .unwrap()
                .remove("authorization");
        }
    }
    event
}

#[tokio::test]
async fn the_built_function_answers_api_gateway_events_through_the_runtime_api() {
    // The local stack: Cognito-compatible issuer and Authsignal emulator.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let cognito =
        CognitoConfig::for_pool("eu-west-1_RuntimeApi", vec!["apitestclient".into()]).unwrap();
    let issuer = Arc::new(LocalIssuer::new(&cognito));
    let secret = "sk_runtime_api_test";
    let emulator = Arc::new(Emulator::new(
        SecretString::from(secret.to_owned()),
        &base_url,
    ));
    let authsignal_url = emulator.api_url();
    let stack = issuer_routes(issuer.clone()).merge(emulator_routes(emulator));
    tokio::spawn(async move { axum::serve(listener, stack).await });

    // The Runtime API with two invocations queued.
    let token = issuer
        .mint(&TokenRequest {
            sub: Some("u-runtime".into()),
            ..Default::default()
        })
        .unwrap()
        .access_token;
    let runtime = RuntimeApi::start(vec![
        ("req-valid".to_owned(), event(Some(&token))),
        ("req-no-token".to_owned(), event(None)),
    ])
    .await;

    let jwks_url = LocalIssuer::jwks_url(&base_url, &cognito.user_pool_id);
    let _function = runtime.spawn(
        env!("CARGO_BIN_EXE_account-api"),
        "account-api",
        &[
            ("COGNITO_USER_POOL_ID", &cognito.user_pool_id),
            ("COGNITO_CLIENT_IDS", "apitestclient"),
            ("COGNITO_JWKS_URL", &jwks_url),
            ("AUTHSIGNAL_API_URL", &authsignal_url),
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
