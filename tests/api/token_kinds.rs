//! The three kinds of Authsignal token stay apart: a validation token from enrollment, from a
//! Cognito sign-in (the Verify trigger) and from a step-up each pass only where their own action
//! is expected. Each token is checked where the others are expected, with its own round, so only
//! the action can refuse it.

use std::sync::Arc;

use cognito_authsignal::authsignal::{AuthsignalApi, AuthsignalClient, ValidateChallengeRequest};
use cognito_authsignal::config::SignInConfig;
use cognito_authsignal::triggers::verify::Refusal;
use cognito_authsignal::triggers::{SignInChallenge, VerifyAuthChallengeEvent};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const SUB: &str = "u-token-kinds";
const EMAIL: &str = "kinds@example.com";

/// Enrolls the user's email with an enrollment `token`; returns the validation token.
async fn enroll_email(stack: &Stack, token: &str) -> String {
    stack
        .client_api(
            "user-authenticators/email-otp",
            token,
            Some(json!({ "email": EMAIL })),
        )
        .await;
    let code = stack.code_for(EMAIL).await;
    let verified = stack
        .client_api(
            "verify/email-otp",
            token,
            Some(json!({ "verificationCode": code })),
        )
        .await;
    verified["accessToken"].as_str().unwrap().to_owned()
}

/// The private parameters Create would have left for `token`'s own round.
async fn own_round(authsignal: &AuthsignalClient, token: &str) -> Value {
    let validation = authsignal
        .validate_challenge(&ValidateChallengeRequest {
            token: token.to_owned(),
            user_id: Some(SUB.into()),
            action: None,
        })
        .await
        .unwrap();
    assert!(validation.is_valid, "{validation:?}");
    json!({
        "userId": SUB,
        "action": "cognitoAuth",
        "idempotencyKey": validation.idempotency_key.unwrap(),
        "state": "CHALLENGE_REQUIRED",
    })
}

async fn verify_trigger(
    sign_in: &SignInChallenge,
    private: &Value,
    answer: &str,
) -> Result<(), Refusal> {
    let event: VerifyAuthChallengeEvent = serde_json::from_value(json!({
        "version": "1", "region": "eu-west-1", "userPoolId": "eu-west-1_ApiTests",
        "userName": SUB, "triggerSource": "VerifyAuthChallengeResponse_Authentication",
        "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "apitestclient" },
        "request": {
            "userAttributes": { "sub": SUB, "email": EMAIL, "email_verified": "true" },
            "privateChallengeParameters": private,
            "challengeAnswer": answer,
            "userNotFound": false,
        },
        "response": {},
    }))
    .unwrap();
    sign_in.check_answer(&event).await
}

#[tokio::test]
async fn enrollment_sign_in_and_step_up_tokens_are_each_refused_where_another_is_expected() {
    let stack = Stack::start().await;
    let authsignal = AuthsignalClient::new(&stack.config.authsignal);
    let actions = &stack.config.api.actions;
    assert_eq!(
        (
            actions.enrollment.as_str(),
            actions.sign_in.as_str(),
            actions.step_up_remove.as_str()
        ),
        ("enrollAuthenticator", "cognitoAuth", "removeAuthenticator"),
        "the defaults are three different actions"
    );
    let sign_in = SignInChallenge::new(
        Arc::new(AuthsignalClient::new(&stack.config.authsignal)),
        &actions.sign_in,
        SignInConfig::default(),
    );

    // Enrollment: the API's enrollment token, the email enrolled with it.
    let fresh = stack.token(SUB, &[], 60);
    let response = stack
        .call(
            Method::POST,
            "/v1/me/authenticators/enrollment-token",
            &fresh,
            Some(json!({ "email": EMAIL })),
        )
        .await;
    assert_eq!(response.status(), 200);
    let enrollment: Value = response.json().await.unwrap();
    let enrolled = enroll_email(&stack, enrollment["token"].as_str().unwrap()).await;
    stack.enroll_email(&fresh, "kinds-second@example.com").await;

    // Sign-in: Create's round, answered as an app would.
    let created = sign_in
        .create_auth_challenge(
            serde_json::from_value(json!({
                "version": "1", "region": "eu-west-1", "userPoolId": "eu-west-1_ApiTests",
                "userName": SUB, "triggerSource": "CreateAuthChallenge_Authentication",
                "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "apitestclient" },
                // A user who proved this email at an earlier sign-in.
                "request": {
                    "userAttributes": { "sub": SUB, "email": EMAIL, "email_verified": "true" },
                    "challengeName": "CUSTOM_CHALLENGE", "session": [], "userNotFound": false,
                },
                "response": {},
            }))
            .unwrap(),
        )
        .await
        .unwrap()
        .response;
    let sign_in_token = &created.public_challenge_parameters["token"];
    let signed_in = stack.answer_email_challenge(sign_in_token, EMAIL).await;
    let sign_in_round = json!(created.private_challenge_parameters);

    // Step-up: the API's removal step-up.
    let stale = stack.token(SUB, &[], 7_200);
    let stepped_up = stack.step_up(&stale, "removeAuthenticator", EMAIL).await;

    // The Verify trigger takes only the sign-in token.
    verify_trigger(&sign_in, &sign_in_round, &signed_in)
        .await
        .unwrap();
    for (kind, token) in [("enrollment", &enrolled), ("step-up", &stepped_up)] {
        let round = own_round(&authsignal, token).await;
        let refused = verify_trigger(&sign_in, &round, token).await;
        assert!(
            matches!(refused, Err(Refusal::NotValid { .. })),
            "{kind} token at sign-in: {refused:?}"
        );
    }

    // The removal takes only the step-up token.
    let authenticators = stack.list(&fresh).await;
    let target = format!(
        "/v1/me/authenticators/{}",
        authenticators[0]["id"].as_str().unwrap()
    );
    for (kind, token) in [("enrollment", &enrolled), ("sign-in", &signed_in)] {
        let response = stack
            .call_with(
                Method::DELETE,
                &target,
                &stale,
                None,
                &[("Authsignal-Validation-Token", token)],
            )
            .await;
        assert_problem(response, 403, "reauthentication_required").await;
        assert_eq!(
            stack.list(&fresh).await.len(),
            2,
            "{kind} token removed nothing"
        );
    }
    let response = stack
        .call_with(
            Method::DELETE,
            &target,
            &stale,
            None,
            &[("Authsignal-Validation-Token", &stepped_up)],
        )
        .await;
    assert_eq!(response.status(), 200);

    // Adding an authenticator takes only an enrollment token: the sign-in token cannot.
    let (status, body) = stack
        .client_api_raw(
            "user-authenticators/email-otp",
            sign_in_token,
            Some(json!({ "email": "kinds-third@example.com" })),
        )
        .await;
    assert_eq!(status, 403, "{body}");
}
