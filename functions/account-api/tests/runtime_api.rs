//! Black box: the built `account-api` binary, driven through a local Lambda Runtime API (the
//! HTTP protocol Lambda speaks to custom runtimes), answers an API Gateway v2 event with 200
//! for a valid token and 401 without one. Cognito's JWKS and Authsignal are the local stack.

use std::collections::{HashMap, VecDeque};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use cognito_authsignal::config::CognitoConfig;
use cognito_authsignal::local::authsignal::{Emulator, routes as emulator_routes};
use cognito_authsignal::local::issuer::routes as issuer_routes;
use cognito_authsignal::local::{LocalIssuer, TokenRequest};
use secrecy::SecretString;
use serde_json::Value;

#[derive(Default)]
struct RuntimeApi {
    pending: Mutex<VecDeque<(String, Value)>>,
    responses: Mutex<HashMap<String, Value>>,
    errors: Mutex<Vec<Value>>,
}

async fn next(State(runtime): State<Arc<RuntimeApi>>) -> (HeaderMap, String) {
    loop {
        if let Some((id, event)) = runtime.pending.lock().unwrap().pop_front() {
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 30_000;
            let mut headers = HeaderMap::new();
            headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
            headers.insert(
                "lambda-runtime-deadline-ms",
                deadline.to_string().parse().unwrap(),
            );
            headers.insert(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:eu-west-1:123456789012:function:account-api"
                    .parse()
                    .unwrap(),
            );
            return (headers, event.to_string());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn respond(
    State(runtime): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: String,
) -> StatusCode {
    runtime.responses.lock().unwrap().insert(
        id,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    );
    StatusCode::ACCEPTED
}

async fn error(State(runtime): State<Arc<RuntimeApi>>, body: String) -> StatusCode {
    runtime
        .errors
        .lock()
        .unwrap()
        .push(serde_json::from_str(&body).unwrap_or(Value::String(body)));
    StatusCode::ACCEPTED
}

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
    let runtime = Arc::new(RuntimeApi::default());
    let token = issuer
        .mint(&TokenRequest {
            sub: Some("u-runtime".into()),
            ..Default::default()
        })
        .unwrap()
        .access_token;
    runtime.pending.lock().unwrap().extend([
        ("req-valid".to_owned(), event(Some(&token))),
        ("req-no-token".to_owned(), event(None)),
    ]);
    let runtime_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let runtime_address = runtime_listener.local_addr().unwrap().to_string();
    let runtime_routes = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(respond),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(runtime.clone());
    tokio::spawn(async move { axum::serve(runtime_listener, runtime_routes).await });

    let _function = tokio::process::Command::new(env!("CARGO_BIN_EXE_account-api"))
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", &runtime_address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "account-api")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("COGNITO_USER_POOL_ID", &cognito.user_pool_id)
        .env("COGNITO_CLIENT_IDS", "apitestclient")
        .env(
            "COGNITO_JWKS_URL",
            LocalIssuer::jwks_url(&base_url, &cognito.user_pool_id),
        )
        .env("AUTHSIGNAL_API_URL", &authsignal_url)
        .env("AUTHSIGNAL_SECRET_KEY", secret)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the account-api binary starts");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while runtime.responses.lock().unwrap().len() < 2 && tokio::time::Instant::now() < deadline {
        assert!(
            runtime.errors.lock().unwrap().is_empty(),
            "{:?}",
            runtime.errors.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let responses = runtime.responses.lock().unwrap().clone();
    let valid = &responses["req-valid"];
    assert_eq!(valid["statusCode"], 200, "{valid}");
    let body: Value = serde_json::from_str(valid["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, serde_json::json!({ "authenticators": [] }));
    let refused = &responses["req-no-token"];
    assert_eq!(refused["statusCode"], 401, "{refused}");
    assert_eq!(
        refused["headers"]["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    assert_eq!(
        refused["headers"]["content-type"],
        "application/problem+json"
    );
}
