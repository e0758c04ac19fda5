//! Authsignal failures as the caller sees them: no internals, the right status and code.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

async fn failing(template: ResponseTemplate) -> (MockServer, Stack) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(template)
        .mount(&server)
        .await;
    let stack = Stack::with_authsignal_at(&server.uri()).await;
    (server, stack)
}

#[tokio::test]
async fn a_wrong_secret_or_region_is_502_upstream_misconfigured() {
    let (_server, stack) = failing(ResponseTemplate::new(401).set_body_json(json!({
        "error": "unauthorized", "errorDescription": "The request is unauthorized. Check that your API key and region base URL are correctly configured."
    })))
    .await;
    let token = stack.token("u-up", &[], 60);
    let problem = assert_problem(
        stack
            .call(Method::GET, "/v1/me/authenticators", &token, None)
            .await,
        502,
        "upstream_misconfigured",
    )
    .await;
    assert!(
        !problem.to_string().contains("API key"),
        "no upstream text leaks: {problem}"
    );
}

#[tokio::test]
async fn an_authsignal_timeout_is_504_upstream_timeout() {
    let (_server, stack) =
        failing(ResponseTemplate::new(200).set_delay(Duration::from_secs(5))).await;
    let token = stack.token("u-up", &[], 60);
    let response = stack
        .call(
            Method::POST,
            "/v1/me/step-up",
            &token,
            Some(json!({ "operation": "removeAuthenticator" })),
        )
        .await;
    assert_problem(response, 504, "upstream_timeout").await;
}

#[tokio::test]
async fn other_authsignal_failures_are_502_upstream_unavailable() {
    for template in [
        ResponseTemplate::new(500).set_body_string("stack trace here"),
        ResponseTemplate::new(200).set_body_string("<html>not json</html>"),
        ResponseTemplate::new(400).set_body_json(
            json!({ "errorCode": "invalid_request", "errorDescription": "secret detail" }),
        ),
    ] {
        let (_server, stack) = failing(template).await;
        let token = stack.token("u-up", &[], 60);
        let problem = assert_problem(
            stack
                .call(Method::GET, "/v1/me/authenticators", &token, None)
                .await,
            502,
            "upstream_unavailable",
        )
        .await;
        let text = problem.to_string();
        assert!(
            !text.contains("stack trace")
                && !text.contains("secret detail")
                && !text.contains("html"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn authsignal_rate_limits_are_passed_on_with_retry_after() {
    let (_server, stack) =
        failing(ResponseTemplate::new(429).insert_header("retry-after", "30")).await;
    let token = stack.token("u-up", &[], 60);
    let response = stack
        .call(
            Method::POST,
            "/v1/me/step-up",
            &token,
            Some(json!({ "operation": "addAuthenticator" })),
        )
        .await;
    assert_eq!(response.headers()["retry-after"], "30");
    assert_problem(response, 502, "upstream_unavailable").await;
}

#[tokio::test]
async fn an_id_that_is_not_the_callers_never_reaches_authsignals_delete() {
    use wiremock::matchers::{method, path};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/users/u-owner/authenticators"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            { "userAuthenticatorId": "mine-1", "verificationMethod": "EMAIL_OTP" },
            { "userAuthenticatorId": "mine-2", "verificationMethod": "SMS" }
        ])))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let stack = Stack::with_authsignal_at(&server.uri()).await;
    let token = stack.token("u-owner", &[], 60);
    let response = stack
        .call(
            Method::DELETE,
            "/v1/me/authenticators/someone-elses",
            &token,
            None,
        )
        .await;
    assert_problem(response, 404, "not_found").await;
    // `expect(0)` on the DELETE mock is verified when the server drops.
    server.verify().await;
}
