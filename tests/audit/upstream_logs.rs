//! What Authsignal says when it fails reaches the logs only redacted and bounded, and never the
//! caller.

use reqwest::Method;
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::capture::Captured;
use crate::helpers::*;

/// The secrets and personal data a hostile or careless upstream could put in its answer.
const SECRETS: [&str; 5] = [
    "sk_live_9fJ2kLmN0pQrStUvWxYz01",
    "jane.doe@example.com",
    "+14155550100",
    "c2tfbGl2ZV9rZXk6cGFzcw==",
    "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4",
];

/// A 6 KB `errorDescription` with every kind of secret at its start and more text after.
fn hostile_description() -> String {
    let [key, email, phone, basic, token] = SECRETS;
    let head = format!(
        "Request failed for tenant {key} user {email} phone {phone} \
         with Authorization: Basic {basic} and api token {token}. "
    );
    let mut description = head.clone();
    while description.len() < 6 * 1024 {
        description.push_str("lorem ipsum dolor sit amet ");
    }
    description.push_str(&head);
    description
}

#[tokio::test]
async fn a_hostile_error_description_is_logged_redacted_and_bounded_and_never_answered() {
    let (captured, _guard) = Captured::start();
    let authsignal = MockServer::start().await;
    let description = hostile_description();
    assert!(description.len() >= 6 * 1024);
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "errorCode": "internal_error",
            "errorDescription": description,
        })))
        .mount(&authsignal)
        .await;
    let stack = Stack::with_authsignal_at(&authsignal.uri()).await;
    let token = stack.token("u-hostile-upstream", &[], 60);

    let response = stack
        .call(Method::GET, "/v1/me/authenticators", &token, None)
        .await;
    let problem = assert_problem(response, 502, "upstream_unavailable").await;

    let answered = problem.to_string();
    for text in SECRETS
        .iter()
        .chain(&["lorem ipsum", "internal_error", "Request failed"])
    {
        assert!(!answered.contains(text), "{text} in the answer: {answered}");
    }
    let logged = captured.lines();
    let failure = logged
        .iter()
        .find(|line| line["message"] == "Authsignal call failed")
        .unwrap_or_else(|| panic!("no failure line in {logged:?}"));
    let error = failure["error"].as_str().unwrap();
    assert!(error.contains("HTTP 500 internal_error"), "{error}");
    assert!(error.contains("Request failed for tenant"), "{error}");
    for marker in [
        "[redacted key]",
        "[redacted email]",
        "[redacted number]",
        "Basic [redacted credential]",
        "[redacted token]",
    ] {
        assert!(error.contains(marker), "{marker} missing: {error}");
    }
    assert!(
        error.chars().count() < 400,
        "{} chars",
        error.chars().count()
    );
    let everything = captured.text();
    for secret in SECRETS {
        assert!(!everything.contains(secret), "{secret} was logged");
    }
    for line in everything.lines() {
        assert!(line.len() < 1024, "a {}-byte log line: {line}", line.len());
    }
}
