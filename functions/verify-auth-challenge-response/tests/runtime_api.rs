//! Black box: the built `verify-auth-challenge-response` binary, driven through a local Lambda
//! Runtime API with events shaped as Cognito sends them, accepts only an Authsignal validation
//! token for this user, action and round. The token comes from a real email OTP challenge run
//! against the local Authsignal emulator over HTTP, as a client SDK would.

#[path = "../../../tests/common/runtime_api.rs"]
mod runtime_api;

use std::sync::Arc;

use cognito_authsignal::authsignal::{AuthsignalApi, AuthsignalClient, TrackAttributes};
use cognito_authsignal::config::AuthsignalConfig;
use cognito_authsignal::local::authsignal::{Emulator, routes as emulator_routes};
use runtime_api::RuntimeApi;
use secrecy::SecretString;
use serde_json::{Value, json};

const SECRET: &str = "sk_verify_auth_challenge_test";
const ACTION: &str = "cognitoAuth";

/// An event from `tests/triggers/fixtures/lambda/`.
fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/triggers/fixtures/lambda/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The verify event with this answer and these private challenge parameters.
fn event(answer: &str, private: &Value) -> Value {
    let mut event = fixture("verify-auth-challenge-response.json");
    event["request"]["challengeAnswer"] = json!(answer);
    event["request"]["privateChallengeParameters"] = private.clone();
    event
}

/// What a client does with the challenge Create handed it: an email OTP challenge at the
/// emulator's Client API, the code from the emulator's outbox, then the validation token.
async fn complete_email_otp(base_url: &str, client_token: &str, user_id: &str) -> String {
    let http = reqwest::Client::new();
    let client_api = format!("{base_url}/local/authsignal/v1/client");
    let challenge = http
        .post(format!("{client_api}/challenge/email-otp"))
        .bearer_auth(client_token)
        .send()
        .await
        .unwrap();
    assert!(challenge.status().is_success(), "{challenge:?}");
    let outbox: Value = http
        .get(format!(
            "{base_url}/local/authsignal/outbox?userId={user_id}"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = outbox["messages"][0]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code in the outbox: {outbox}"));
    let verified: Value = http
        .post(format!("{client_api}/verify/email-otp"))
        .bearer_auth(client_token)
        .json(&json!({ "verificationCode": code }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verified["isVerified"], true, "{verified}");
    verified["accessToken"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_built_function_accepts_only_a_validation_token_for_this_round() {
    // The Authsignal emulator, served in-process.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let emulator = Arc::new(Emulator::new(
        SecretString::from(SECRET.to_owned()),
        &base_url,
    ));
    let api_url = emulator.api_url();
    tokio::spawn(async move { axum::serve(listener, emulator_routes(emulator)).await });

    // What Create does for this sign-in: track the action for the user's sub.
    let template = fixture("verify-auth-challenge-response.json");
    let attributes = &template["request"]["userAttributes"];
    let sub = attributes["sub"].as_str().unwrap();
    let email = attributes["email"].as_str().unwrap();
    let authsignal = AuthsignalClient::new(
        &AuthsignalConfig::new(&api_url, SecretString::from(SECRET.to_owned())).unwrap(),
    );
    let tracked = authsignal
        .track(
            sub,
            ACTION,
            &TrackAttributes {
                email: Some(email.to_owned()),
                ..TrackAttributes::default()
            },
        )
        .await
        .unwrap();
    let private = json!({
        "userId": sub,
        "action": ACTION,
        "idempotencyKey": tracked.idempotency_key,
        "state": tracked.state.to_string(),
    });
    let client_token = tracked.token.as_deref().unwrap();
    let validation_token = complete_email_otp(&base_url, client_token, sub).await;

    // The same token presented for an earlier round of the same user and action.
    let mut other_round = private.clone();
    other_round["idempotencyKey"] = json!("0b6f0c5e-3f0e-4a8e-9a55-1d2c3b4a5f60");

    let runtime = RuntimeApi::start(vec![
        ("req-not-a-token".to_owned(), event("two words", &private)),
        ("req-unknown-token".to_owned(), event("abc.def", &private)),
        (
            "req-other-round".to_owned(),
            event(&validation_token, &other_round),
        ),
        ("req-valid".to_owned(), event(&validation_token, &private)),
    ])
    .await;
    let _function = runtime.spawn(
        env!("CARGO_BIN_EXE_verify-auth-challenge-response"),
        "verify-auth-challenge-response",
        &[
            ("AUTHSIGNAL_API_URL", &api_url),
            ("AUTHSIGNAL_SECRET_KEY", SECRET),
            ("AUTHSIGNAL_TIMEOUT_MS", "3000"),
        ],
    );

    let outcomes = runtime.outcomes(4).await;
    for refused in ["req-not-a-token", "req-unknown-token", "req-other-round"] {
        let answer = outcomes[refused].response();
        assert_eq!(
            answer["response"],
            json!({ "answerCorrect": false }),
            "{refused}: {answer}"
        );
    }
    let valid = outcomes["req-valid"].response();
    assert_eq!(
        valid["response"],
        json!({ "answerCorrect": true }),
        "{valid}"
    );
    assert_eq!(
        valid["triggerSource"],
        "VerifyAuthChallengeResponse_Authentication"
    );
    assert_eq!(valid["request"]["challengeAnswer"], json!(validation_token));
}
