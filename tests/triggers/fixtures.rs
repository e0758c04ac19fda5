//! Events shaped as Cognito sends them (`fixtures/*.json`: `null` responses, `userNotFound`,
//! `clientMetadata`, empty attributes), through the same Lambda services the functions run.

use cognito_authsignal::config::{SignInConfig, SignInMode};
use cognito_authsignal::triggers::lambda::{
    create_auth_challenge_service, define_auth_challenge_service, pre_sign_up_service,
    verify_auth_challenge_response_service,
};
use lambda_runtime::{Context, LambdaEvent, Service};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::time::Duration;

use crate::support::{challenge, emulator, fixture};

/// Reads the fixture into the trigger's event type, as the runtime does, and wraps it.
fn event<E: DeserializeOwned>(name: &str) -> LambdaEvent<E> {
    LambdaEvent::new(
        serde_json::from_value(fixture(name)).unwrap(),
        Context::default(),
    )
}

/// The `response` object the runtime would send back to Cognito.
fn response<E: Serialize>(event: E) -> Value {
    serde_json::to_value(event).unwrap()["response"].clone()
}

#[tokio::test]
async fn define_answers_cognito_shaped_events() {
    let mut passwordless = define_auth_challenge_service(SignInConfig::default());
    let first = passwordless
        .call(event("define-first-round"))
        .await
        .unwrap();
    assert_eq!(
        response(first),
        json!({ "challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false })
    );
    let unknown = passwordless
        .call(event("define-user-not-found"))
        .await
        .unwrap();
    assert_eq!(
        response(unknown),
        json!({ "challengeName": null, "issueTokens": false, "failAuthentication": true })
    );
    let done = passwordless
        .call(event("define-after-correct-answer"))
        .await
        .unwrap();
    assert_eq!(
        response(done),
        json!({ "challengeName": null, "issueTokens": true, "failAuthentication": false })
    );
    // A password step means nothing to a passwordless pool.
    let srp = passwordless
        .call(event("define-srp-password-verified"))
        .await
        .unwrap();
    assert_eq!(response(srp)["failAuthentication"], true);

    let mut with_password = define_auth_challenge_service(SignInConfig {
        mode: SignInMode::PasswordThenMfa,
        ..SignInConfig::default()
    });
    let after_password = with_password
        .call(event("define-srp-password-verified"))
        .await
        .unwrap();
    assert_eq!(
        response(after_password),
        json!({ "challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false })
    );
    let no_password = with_password
        .call(event("define-first-round"))
        .await
        .unwrap();
    assert_eq!(response(no_password)["failAuthentication"], true);
}

#[tokio::test]
async fn pre_sign_up_confirms_and_verifies_no_contact_whatever_the_user_has() {
    let mut service = pre_sign_up_service();
    for name in [
        "pre-sign-up-email",
        "pre-sign-up-phone",
        "pre-sign-up-no-attributes",
    ] {
        let answered = service.call(event(name)).await.unwrap();
        assert_eq!(
            response(answered),
            json!({ "autoConfirmUser": true, "autoVerifyEmail": false, "autoVerifyPhone": false }),
            "{name}"
        );
    }
}

#[tokio::test]
async fn create_and_verify_take_cognito_shaped_events() {
    let (_client, api_url) = emulator().await;
    let sign_in = challenge(&api_url, SignInConfig::default(), Duration::from_secs(2));
    let mut create = create_auth_challenge_service(sign_in.clone());
    let created = response(create.call(event("create-custom-challenge")).await.unwrap());
    let public = created["publicChallengeParameters"].as_object().unwrap();
    assert!(public["token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(public["isEnrolled"], "true");
    assert!(public.values().all(Value::is_string), "{created}");
    assert_eq!(
        created["privateChallengeParameters"]["userId"],
        "5f0a2a4e-8c41-4d1c-9a57-2c1f3e0b7d11"
    );
    assert_eq!(
        created["privateChallengeParameters"]["action"],
        "cognitoAuth"
    );
    assert_eq!(created["challengeMetadata"], "AUTHSIGNAL_CHALLENGE");

    // Cognito never asks Create for an unknown user once Define failed; if it did, no track.
    let unknown = create
        .call(event("create-user-not-found"))
        .await
        .unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "The event is not a sign-in this trigger can handle"
    );

    let mut verify = verify_auth_challenge_response_service(sign_in);
    for name in ["verify-answer", "verify-user-not-found"] {
        let answered = verify.call(event(name)).await.unwrap();
        assert_eq!(
            response(answered),
            json!({ "answerCorrect": false }),
            "{name}"
        );
    }
}
