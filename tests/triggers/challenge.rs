//! Create and Verify auth challenge against the Authsignal emulator (the whole round, as an app
//! completes it) and against a faulty Authsignal (errors, slowness, blocks): Verify never
//! accepts what it cannot prove, and never takes longer than its budget.

use std::time::{Duration, Instant};

use cognito_authsignal::config::{ChallengeUi, SignInConfig, SignInMode};
use cognito_authsignal::triggers::verify::Refusal;
use cognito_authsignal::triggers::{CreateAuthChallengeEvent, VerifyAuthChallengeEvent};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{challenge, create_event, emulator, verify_event};

const BUDGET: Duration = Duration::from_millis(800);

fn create(event: Value) -> CreateAuthChallengeEvent {
    serde_json::from_value(event).unwrap()
}

fn verify(event: Value) -> VerifyAuthChallengeEvent {
    serde_json::from_value(event).unwrap()
}

/// Creates a round for `sub`; returns the public and private parameters and the metadata.
async fn round(
    sign_in: &cognito_authsignal::triggers::SignInChallenge,
    sub: &str,
    email: &str,
) -> (Value, Value, Option<String>) {
    let created = sign_in
        .create_auth_challenge(create(create_event(sub, email)))
        .await
        .unwrap();
    let response = created.response;
    (
        json!(response.public_challenge_parameters),
        json!(response.private_challenge_parameters),
        response.challenge_metadata,
    )
}

async fn answer(
    sign_in: &cognito_authsignal::triggers::SignInChallenge,
    (sub, email): (&str, &str),
    private: &Value,
    answer: &str,
) -> Result<(), Refusal> {
    sign_in
        .check_answer(&verify(verify_event(sub, email, private, answer)))
        .await
}

#[tokio::test]
async fn a_completed_email_challenge_is_the_right_answer_for_its_own_round_only() {
    let (client, api_url) = emulator().await;
    let sign_in = challenge(&api_url, SignInConfig::default(), BUDGET);
    let (sub, email) = ("u-round", "round@example.com");

    let (public, first, metadata) = round(&sign_in, sub, email).await;
    assert_eq!(metadata.as_deref(), Some("AUTHSIGNAL_CHALLENGE"));
    // Create enrolled the user's own email first (see first_authenticator.rs).
    assert_eq!(public["isEnrolled"], "true");
    assert_eq!(first["userId"], sub);
    let token = public["token"].as_str().unwrap();
    let proof = client.answer_email_challenge(token, email).await;

    // The raw token and the JSON form are both answers.
    let user = (sub, email);
    answer(&sign_in, user, &first, &proof).await.unwrap();
    let as_json = json!({ "token": proof }).to_string();
    answer(&sign_in, user, &first, &as_json).await.unwrap();
    let event = verify(verify_event(sub, email, &first, &proof));
    assert!(
        sign_in
            .verify_auth_challenge_response(event)
            .await
            .response
            .answer_correct
    );

    // Another round, another user, or a tampered answer: refused.
    let (_, second, _) = round(&sign_in, sub, email).await;
    assert!(matches!(
        answer(&sign_in, user, &second, &proof).await,
        Err(Refusal::Mismatch("sign-in round"))
    ));
    assert!(matches!(
        answer(&sign_in, ("someone-else", email), &first, &proof).await,
        Err(Refusal::OtherUser)
    ));
    let mut tampered = proof.clone();
    tampered.push('x');
    assert!(matches!(
        answer(&sign_in, user, &first, &tampered).await,
        Err(Refusal::NotValid { .. })
    ));
    for malformed in ["", "two words", "{\"token\": 7}", "{not json"] {
        assert!(
            matches!(
                answer(&sign_in, user, &first, malformed).await,
                Err(Refusal::MalformedAnswer)
            ),
            "{malformed}"
        );
    }
}

#[tokio::test]
async fn allow_never_counts_in_a_first_round_even_when_configured() {
    // A user with no authenticator: Create enrolls their email, and the rules then say ALLOW.
    let server = MockServer::start().await;
    let track = |enrolled: bool| {
        ResponseTemplate::new(200).set_body_json(json!({
            "state": "ALLOW", "idempotencyKey": "idem-1", "isEnrolled": enrolled,
            "token": "track-token", "url": "https://example.com/challenge",
        }))
    };
    Mock::given(method("POST"))
        .and(path_regex("^/v1/users/[^/]+/actions/cognitoAuth$"))
        .respond_with(track(false))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("^/v1/users/[^/]+/actions/cognitoAuth$"))
        .respond_with(track(true))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("^/v1/users/[^/]+/authenticators$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "authenticator": { "userAuthenticatorId": "a-1", "verificationMethod": "EMAIL_OTP" },
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/validate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "isValid": true, "state": "ALLOW", "userId": "u-new",
            "actionCode": "cognitoAuth", "idempotencyKey": "idem-1",
        })))
        .mount(&server)
        .await;
    let sign_in = challenge(
        &format!("{}/v1", server.uri()),
        SignInConfig {
            mode: SignInMode::PasswordThenMfa,
            accept_allow_state: true,
            ..SignInConfig::default()
        },
        BUDGET,
    );
    let user = ("u-new", "new@example.com");
    let (_, private, _) = round(&sign_in, user.0, user.1).await;
    assert_eq!(private["firstAuthenticator"], "true");
    assert!(matches!(
        answer(&sign_in, user, &private, "track-token").await,
        Err(Refusal::NotValid { .. })
    ));
}

#[tokio::test]
async fn allow_counts_for_an_established_user_only_when_configured() {
    let server = authsignal_tracking("ALLOW").await;
    Mock::given(path("/v1/validate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "isValid": true, "state": "ALLOW", "userId": "u-rules",
            "actionCode": "cognitoAuth", "idempotencyKey": "idem-1",
        })))
        .mount(&server)
        .await;
    let api_url = format!("{}/v1", server.uri());
    let user = ("u-rules", "rules@example.com");
    for (accept_allow_state, accepted) in [(false, false), (true, true)] {
        let sign_in = challenge(
            &api_url,
            SignInConfig {
                mode: SignInMode::PasswordThenMfa,
                accept_allow_state,
                ..SignInConfig::default()
            },
            BUDGET,
        );
        let event = create_event(user.0, user.1);
        let created = sign_in.create_auth_challenge(create(event)).await.unwrap();
        let private = json!(created.response.private_challenge_parameters);
        assert_eq!(private["firstAuthenticator"], "false");
        let outcome = answer(&sign_in, user, &private, "rules.token").await;
        assert_eq!(
            outcome.is_ok(),
            accepted,
            "{accept_allow_state}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn the_prebuilt_ui_gets_a_url_with_the_redirect() {
    let (client, api_url) = emulator().await;
    let sign_in = challenge(
        &api_url,
        SignInConfig {
            challenge_ui: ChallengeUi::Prebuilt,
            prebuilt_redirect_url: Some("http://localhost:5173/callback".parse().unwrap()),
            ..SignInConfig::default()
        },
        BUDGET,
    );
    let (public, _, _) = round(&sign_in, "u-prebuilt", "pre@example.com").await;
    let url = public["url"].as_str().unwrap();
    assert!(url.starts_with(&client.base_url), "{url}");
    assert!(public.get("token").is_none(), "{public}");
    assert_eq!(public["isEnrolled"], "true");
    let page = reqwest::get(url).await.unwrap();
    assert_eq!(page.status(), 200);
}

/// Authsignal answering track with `state`.
async fn authsignal_tracking(state: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("^/v1/users/[^/]+/actions/cognitoAuth$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "state": state, "idempotencyKey": "idem-1", "isEnrolled": true,
            "token": "track-token", "url": "https://example.com/challenge",
        })))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_blocked_sign_in_gets_no_token_and_no_answer_passes() {
    let server = authsignal_tracking("BLOCK").await;
    Mock::given(path("/v1/validate"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let sign_in = challenge(
        &format!("{}/v1", server.uri()),
        SignInConfig::default(),
        BUDGET,
    );
    let (public, private, metadata) = round(&sign_in, "u-block", "block@example.com").await;
    assert_eq!(public, json!({ "state": "BLOCK" }));
    assert_eq!(metadata.as_deref(), Some("AUTHSIGNAL_BLOCK"));
    assert!(matches!(
        answer(
            &sign_in,
            ("u-block", "block@example.com"),
            &private,
            "any.token.at.all"
        )
        .await,
        Err(Refusal::Blocked)
    ));
}

#[tokio::test]
async fn create_fails_with_a_fixed_message_when_authsignal_fails() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "unauthorized", "errorDescription": "Check that your API key is configured."
        })))
        .mount(&server)
        .await;
    let sign_in = challenge(
        &format!("{}/v1", server.uri()),
        SignInConfig::default(),
        BUDGET,
    );
    let error = sign_in
        .create_auth_challenge(create(create_event("u-err", "err@example.com")))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "The sign-in challenge is unavailable; try again shortly"
    );
    let diagnostic = lambda_runtime::Diagnostic::from(error);
    assert_eq!(diagnostic.error_type, "AuthsignalUnavailable");
    assert!(!diagnostic.error_message.contains("API key"));
}

/// Verify against an Authsignal that answers validate with `template`.
async fn verify_with(template: ResponseTemplate) -> (Result<(), Refusal>, bool, Duration) {
    let server = authsignal_tracking("CHALLENGE_REQUIRED").await;
    Mock::given(path("/v1/validate"))
        .respond_with(template)
        .mount(&server)
        .await;
    let sign_in = challenge(
        &format!("{}/v1", server.uri()),
        SignInConfig::default(),
        BUDGET,
    );
    let user = ("u-verify", "verify@example.com");
    let event = create_event(user.0, user.1);
    let created = sign_in.create_auth_challenge(create(event)).await.unwrap();
    let private = json!(created.response.private_challenge_parameters);
    let started = Instant::now();
    let refusal = answer(&sign_in, user, &private, "validation.token.x").await;
    let correct = sign_in
        .verify_auth_challenge_response(verify(verify_event(
            user.0,
            user.1,
            &private,
            "validation.token.x",
        )))
        .await
        .response
        .answer_correct;
    (refusal, correct, started.elapsed())
}

#[tokio::test]
async fn verify_accepts_exactly_a_valid_succeeded_answer_for_the_round() {
    let valid = json!({
        "isValid": true, "state": "CHALLENGE_SUCCEEDED", "userId": "u-verify",
        "actionCode": "cognitoAuth", "idempotencyKey": "idem-1",
    });
    let (result, correct, _) = verify_with(ResponseTemplate::new(200).set_body_json(&valid)).await;
    assert!(result.is_ok() && correct, "{result:?}");

    for (field, value) in [
        ("isValid", json!(false)),
        ("state", json!("CHALLENGE_FAILED")),
        ("state", json!("ALLOW")),
        ("userId", json!("someone-else")),
        ("actionCode", json!("addAuthenticator")),
        ("idempotencyKey", json!("idem-other")),
    ] {
        let mut answer = valid.clone();
        answer[field] = value.clone();
        let (result, correct, _) =
            verify_with(ResponseTemplate::new(200).set_body_json(&answer)).await;
        assert!(result.is_err() && !correct, "{field}={value}: {result:?}");
    }
}

#[tokio::test]
async fn upstream_errors_and_timeouts_are_wrong_answers_within_the_budget() {
    for template in [
        ResponseTemplate::new(500),
        ResponseTemplate::new(200).set_body_string("not json"),
        ResponseTemplate::new(200).set_delay(Duration::from_secs(10)),
    ] {
        let (result, correct, elapsed) = verify_with(template).await;
        assert!(matches!(result, Err(Refusal::Upstream(_))), "{result:?}");
        assert!(!correct);
        // Two calls (check_answer, then the trigger), each inside the budget plus slack.
        assert!(elapsed < 2 * BUDGET + Duration::from_secs(1), "{elapsed:?}");
    }
}
