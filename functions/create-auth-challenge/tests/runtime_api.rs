//! Black box: the built `create-auth-challenge` binary, driven through a local Lambda Runtime
//! API with an event shaped as Cognito sends it, tracks the sign-in at Authsignal (the local
//! emulator) and hands the client its challenge token; when Authsignal refuses the call, the
//! invocation fails with a fixed message that carries nothing from upstream. Cognito retries a
//! trigger that timed out with the same event: the retry sends no code and enrolls nothing twice.

use cognito_authsignal_test_support::local_client::LocalClient;
use cognito_authsignal_test_support::runtime_api;

use cognito_authsignal::authsignal::{AuthsignalApi, AuthsignalClient, AuthsignalError};
use cognito_authsignal::config::AuthsignalConfig;
use cognito_authsignal::triggers::TriggerError;
use cognito_authsignal_local::authsignal::serve_on_loopback;
use runtime_api::{RuntimeApi, lambda_fixture as fixture};
use secrecy::SecretString;

const SECRET: &str = "sk_create_auth_challenge_test";

#[tokio::test]
async fn a_retried_create_sends_no_code_and_enrolls_the_users_contact_once() {
    let emulator = serve_on_loopback(SecretString::from(SECRET.to_owned()))
        .await
        .unwrap();
    // A first sign-in (no authenticator yet), and Cognito's retry of the same event.
    let event = fixture("create-auth-challenge.json");
    let sub = event["request"]["userAttributes"]["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    let email = event["request"]["userAttributes"]["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let runtime = RuntimeApi::start(vec![
        ("req-timed-out".to_owned(), event.clone()),
        ("req-retry".to_owned(), event),
    ])
    .await;
    let _function = runtime.spawn(
        env!("CARGO_BIN_EXE_create-auth-challenge"),
        "create-auth-challenge",
        &[
            ("AUTHSIGNAL_API_URL", &emulator.api_url),
            ("AUTHSIGNAL_SECRET_KEY", SECRET),
            ("AUTHSIGNAL_TIMEOUT_MS", "3000"),
        ],
    );
    let outcomes = runtime.outcomes(2).await;
    let local = LocalClient::new(&emulator.base_url);

    // Create itself sends nothing: the client asks for a code once it has the challenge.
    let (_, outbox) = local.outbox_for(&email).await;
    assert_eq!(outbox["messages"], serde_json::json!([]), "{outbox}");
    // The user's own email was enrolled once, by the first invocation.
    let authsignal = AuthsignalClient::new(
        &AuthsignalConfig::new(&emulator.api_url, SecretString::from(SECRET.to_owned())).unwrap(),
    );
    let authenticators = authsignal.get_authenticators(&sub).await.unwrap();
    assert_eq!(authenticators.len(), 1, "{authenticators:?}");
    // Cognito hands the client the retry's answer; its challenge sends the one code.
    let retry = &outcomes["req-retry"].response()["response"];
    assert_eq!(
        retry["publicChallengeParameters"]["verificationMethods"],
        "EMAIL_OTP"
    );
    let token = retry["publicChallengeParameters"]["token"]
        .as_str()
        .unwrap();
    local.answer_email_challenge(token, &email).await;
    let (_, outbox) = local.outbox_for(&email).await;
    assert_eq!(
        outbox["messages"].as_array().map(Vec::len),
        Some(1),
        "{outbox}"
    );
}

/// The Authsignal emulator, served in-process; returns its Server API URL.
async fn authsignal_emulator() -> String {
    serve_on_loopback(SecretString::from(SECRET.to_owned()))
        .await
        .unwrap()
        .api_url
}

#[tokio::test]
async fn the_built_function_tracks_the_sign_in_and_returns_the_challenge() {
    let api_url = authsignal_emulator().await;
    let event = fixture("create-auth-challenge.json");
    let sub = event["request"]["userAttributes"]["sub"].clone();
    let runtime = RuntimeApi::start(vec![("req-create".to_owned(), event.clone())]).await;
    let _function = runtime.spawn(
        env!("CARGO_BIN_EXE_create-auth-challenge"),
        "create-auth-challenge",
        &[
            ("AUTHSIGNAL_API_URL", &api_url),
            ("AUTHSIGNAL_SECRET_KEY", SECRET),
            ("AUTHSIGNAL_TIMEOUT_MS", "3000"),
        ],
    );

    let outcomes = runtime.outcomes(1).await;
    let created = outcomes["req-create"].response();
    let response = &created["response"];

    let public = response["publicChallengeParameters"].as_object().unwrap();
    assert!(
        public["token"]
            .as_str()
            .is_some_and(|token| !token.is_empty()),
        "{created}"
    );
    // A user with no authenticator: the function enrolled their own email before the token.
    assert_eq!(public["isEnrolled"], "true", "{created}");
    assert_eq!(public["verificationMethods"], "EMAIL_OTP", "{created}");
    assert_eq!(
        public.len(),
        3,
        "only the token, isEnrolled and the methods: {created}"
    );

    let private = &response["privateChallengeParameters"];
    assert_eq!(private["userId"], sub, "{created}");
    assert_eq!(private["action"], "cognitoAuth", "{created}");
    assert!(
        private["idempotencyKey"]
            .as_str()
            .is_some_and(|key| !key.is_empty()),
        "{created}"
    );
    assert_eq!(private["state"], "CHALLENGE_REQUIRED", "{created}");
    assert_eq!(private["firstAuthenticator"], "true", "{created}");
    assert_eq!(response["challengeMetadata"], "AUTHSIGNAL_CHALLENGE");

    // Cognito gets its event back with only the response filled in.
    assert_eq!(created["request"], event["request"]);
    assert_eq!(
        created["triggerSource"],
        "CreateAuthChallenge_Authentication"
    );
}

#[tokio::test]
async fn an_authsignal_refusal_fails_the_invocation_with_a_fixed_message() {
    let api_url = authsignal_emulator().await;
    let runtime = RuntimeApi::start(vec![(
        "req-wrong-secret".to_owned(),
        fixture("create-auth-challenge.json"),
    )])
    .await;
    let _function = runtime.spawn(
        env!("CARGO_BIN_EXE_create-auth-challenge"),
        "create-auth-challenge",
        &[
            ("AUTHSIGNAL_API_URL", &api_url),
            ("AUTHSIGNAL_SECRET_KEY", "sk_not_the_tenant_secret"),
            ("AUTHSIGNAL_TIMEOUT_MS", "3000"),
        ],
    );

    let outcomes = runtime.outcomes(1).await;
    let error = outcomes["req-wrong-secret"].error();
    assert_eq!(error["errorType"], "AuthsignalUnavailable", "{error}");
    let message = error["errorMessage"].as_str().unwrap();
    // Cognito shows this message to the client: the library's fixed sentence, whatever the
    // cause, and nothing from Authsignal's answer.
    let fixed = TriggerError::Authsignal(AuthsignalError::Transport("cause".into())).to_string();
    assert_eq!(message, fixed);
    assert!(
        message.starts_with("The sign-in challenge is unavailable"),
        "{message}"
    );
    for upstream in [
        "unauthorized",
        "401",
        "API key",
        "HTTP",
        "AUTHSIGNAL_SECRET_KEY",
    ] {
        assert!(!message.contains(upstream), "{message}");
    }
}

#[tokio::test]
async fn a_hostile_upstream_error_reaches_the_logs_redacted_and_bounded() {
    // Authsignal answers with a 6 KB description full of things a log must not hold.
    let secrets = [
        "sk_live_9fJ2kLmN0pQrStUvWxYz01",
        "jane.doe@example.com",
        "+14155550100",
    ];
    let head = format!(
        "Failed for {} ({}, {}). ",
        secrets[0], secrets[1], secrets[2]
    );
    let description = head.repeat(6 * 1024 / head.len() + 1);
    let authsignal = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(500).set_body_json(serde_json::json!({
                "errorCode": "internal_error", "errorDescription": description,
            })),
        )
        .mount(&authsignal)
        .await;
    let runtime = RuntimeApi::start(vec![(
        "req-hostile-upstream".to_owned(),
        fixture("create-auth-challenge.json"),
    )])
    .await;
    let _function = runtime.spawn(
        env!("CARGO_BIN_EXE_create-auth-challenge"),
        "create-auth-challenge",
        &[
            ("AUTHSIGNAL_API_URL", &authsignal.uri()),
            ("AUTHSIGNAL_SECRET_KEY", SECRET),
            ("AUTHSIGNAL_TIMEOUT_MS", "3000"),
        ],
    );

    let outcomes = runtime.outcomes(1).await;
    let error = outcomes["req-hostile-upstream"].error();
    assert_eq!(error["errorType"], "AuthsignalUnavailable", "{error}");
    // Both our own error line and lambda_runtime's (it logs the handler error's `Debug`) carry
    // the upstream error; the logs are read from a pipe, so wait for both.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let logs = loop {
        let logs = runtime.logs();
        let upstream_lines = logs.iter().filter(|line| line.contains("HTTP 500")).count()
            + logs
                .iter()
                .filter(|line| line.contains("status: 500"))
                .count();
        if upstream_lines >= 2 || std::time::Instant::now() > deadline {
            break logs;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(
        logs.iter()
            .any(|line| line.contains("Authsignal track failed")),
        "{logs:#?}"
    );
    let runtime_line = logs
        .iter()
        .find(|line| line.contains("Authsignal(Upstream(UpstreamError"))
        .unwrap_or_else(|| panic!("lambda_runtime's error line: {logs:#?}"));
    assert!(
        runtime_line.contains("[redacted key]") && runtime_line.contains("[redacted email]"),
        "{runtime_line}"
    );
    for line in &logs {
        assert!(line.len() < 2048, "a {}-byte log line: {line}", line.len());
        for secret in secrets {
            assert!(!line.contains(secret), "{secret} logged: {line}");
        }
    }
}
