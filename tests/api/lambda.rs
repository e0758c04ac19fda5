//! API Gateway HTTP API (payload v2) events, written by us, pushed through the real Lambda
//! request conversion (`lambda_http`) and the router each function serves.

use cognito_authsignal::api::Surface;
use cognito_authsignal::app::App;
use cognito_authsignal::lambda;
use serde_json::Value;
use tower::ServiceExt;

use crate::helpers::*;

/// The fixture as JSON, with the token and sub filled in.
fn event_json(name: &str, token: &str, sub: &str) -> Value {
    let path = format!(
        "{}/tests/api/fixtures/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let json = std::fs::read_to_string(path)
        .unwrap()
        .replace("{{TOKEN}}", token)
        .replace("{{SUB}}", sub);
    serde_json::from_str(&json).unwrap()
}

/// An event as `lambda_http` hands it to the router.
fn request(event: &Value) -> lambda_http::Request {
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event")
}

fn event(name: &str, token: &str, sub: &str) -> lambda_http::Request {
    request(&event_json(name, token, sub))
}

async fn invoke(
    stack: &Stack,
    surface: Surface,
    request: lambda_http::Request,
) -> (u16, axum::http::HeaderMap, Value) {
    let router = lambda::router(&App::build(&stack.config).await, surface);
    let response = router.oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_account_function_lists_authenticators_from_an_api_gateway_event() {
    let stack = Stack::start().await;
    let token = stack.token("u-lambda", &[], 60);
    stack.enroll_email(&token, "lambda@example.com").await;
    let (status, headers, body) = invoke(
        &stack,
        Surface::Account,
        event("apigw-v2-list-authenticators", &token, "u-lambda"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["authenticators"][0]["email"], "l***@example.com");
    assert_eq!(
        headers["x-request-id"], "JKJaXmPLvHcESHA=",
        "API Gateway's request id is used"
    );
}

#[tokio::test]
async fn the_account_function_verifies_the_token_itself() {
    let stack = Stack::start().await;
    // The authorizer claims in the fixture say "access", but the token is an ID token.
    let id_token = stack
        .issuer
        .mint(&cognito_authsignal_local::TokenRequest {
            token_use: Some("id".into()),
            ..Default::default()
        })
        .unwrap()
        .access_token;
    let (status, headers, body) = invoke(
        &stack,
        Surface::Account,
        event("apigw-v2-list-authenticators", &id_token, "u-x"),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "invalid_token");
    assert_eq!(
        headers["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
}

#[tokio::test]
async fn a_base64_body_reaches_the_enrollment_route() {
    let stack = Stack::start().await;
    let token = stack.token("u-lambda-body", &[], 60);
    let (status, _, body) = invoke(
        &stack,
        Surface::Account,
        event("apigw-v2-enrollment-token", &token, "u-lambda-body"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["token"].is_string() && body["expiresAt"].is_string());
}

#[tokio::test]
async fn each_function_serves_only_its_own_routes() {
    let stack = Stack::start().await;
    let admin = stack.token("u-lambda-admin", &[ADMIN_GROUP], 60);
    let (status, _, body) = invoke(
        &stack,
        Surface::Admin,
        event("apigw-v2-admin-list", &admin, "u-someone"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = invoke(
        &stack,
        Surface::Account,
        event("apigw-v2-admin-list", &admin, "u-someone"),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, _, _) = invoke(
        &stack,
        Surface::Admin,
        event("apigw-v2-list-authenticators", &admin, "u-x"),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn api_gateways_request_id_replaces_the_one_the_client_sent() {
    let stack = Stack::start().await;
    let token = stack.token("u-lambda-id", &[], 60);
    let mut event = event_json("apigw-v2-list-authenticators", &token, "u-lambda-id");
    event["headers"]["x-request-id"] = "req-chosen-by-the-client".into();
    let (status, headers, body) = invoke(&stack, Surface::Account, request(&event)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["x-request-id"], "JKJaXmPLvHcESHA=");
}

#[tokio::test]
async fn an_api_gateway_request_id_not_in_the_safe_form_is_replaced_by_a_fresh_one() {
    let stack = Stack::start().await;
    let token = stack.token("u-lambda-id", &[], 60);
    let mut event = event_json("apigw-v2-list-authenticators", &token, "u-lambda-id");
    event["requestContext"]["requestId"] = r#"abc","actor":"admin-forged"#.into();
    event["headers"]["x-request-id"] = "req-chosen-by-the-client".into();
    let (status, headers, body) = invoke(&stack, Surface::Account, request(&event)).await;
    assert_eq!(status, 200, "{body}");
    let id = headers["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "a generated id: {id}");
}
