//! Black box: the built `verify-auth-challenge-response` binary, driven through a local Lambda
//! Runtime API with events shaped as Cognito sends them, accepts only an Authsignal validation
//! token for this user, action and round. The token comes from a real email OTP challenge run
//! against the local Authsignal emulator over HTTP, as a client SDK would. It is the user's
//! first sign-in, so the function marks the proved email verified in the user pool (moto's).

use cognito_authsignal_test_support::local_client;
use cognito_authsignal_test_support::moto;
use cognito_authsignal_test_support::runtime_api;

use moto::Moto;

use cognito_authsignal::authsignal::{AuthsignalApi, AuthsignalClient, TrackAttributes};
use cognito_authsignal::config::AuthsignalConfig;
use cognito_authsignal_local::authsignal::serve_on_loopback;
use local_client::LocalClient;
use runtime_api::{RuntimeApi, lambda_fixture as fixture};
use secrecy::SecretString;
use serde_json::{Value, json};

const SECRET: &str = "sk_verify_auth_challenge_test";
const ACTION: &str = "cognitoAuth";

/// The verify event of `pool`'s user `username` (not yet verified) with this answer and these
/// private challenge parameters.
fn event(answer: &str, private: &Value, (pool, username): (&str, &str)) -> Value {
    let mut event = fixture("verify-auth-challenge-response.json");
    event["userPoolId"] = json!(pool);
    event["userName"] = json!(username);
    event["request"]["userAttributes"]["email_verified"] = json!("false");
    event["request"]["challengeAnswer"] = json!(answer);
    event["request"]["privateChallengeParameters"] = private.clone();
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_function_accepts_only_a_validation_token_for_this_round() {
    // The Authsignal emulator, served in-process.
    let emulator = serve_on_loopback(SecretString::from(SECRET.to_owned()))
        .await
        .unwrap();
    let api_url = emulator.api_url;

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
        "firstAuthenticator": "true",
    });
    let client_token = tracked.token.as_deref().unwrap();
    // What the client does with it: the email OTP challenge, as @authsignal/browser runs it.
    let validation_token = LocalClient::new(&emulator.base_url)
        .answer_email_challenge(client_token, email)
        .await;

    // The same token presented for an earlier round of the same user and action.
    let mut other_round = private.clone();
    other_round["idempotencyKey"] = json!("0b6f0c5e-3f0e-4a8e-9a55-1d2c3b4a5f60");

    let moto = Moto::start().await;
    // The fixture's user, email not verified yet.
    let (pool, _) = moto.user_pool_with(&[("ada", email, false)]).await;
    let username = "ada".to_owned();
    let user = (pool.as_str(), username.as_str());
    let runtime = RuntimeApi::start(vec![
        (
            "req-not-a-token".to_owned(),
            event("two words", &private, user),
        ),
        (
            "req-unknown-token".to_owned(),
            event("abc.def", &private, user),
        ),
        (
            "req-other-round".to_owned(),
            event(&validation_token, &other_round, user),
        ),
        (
            "req-valid".to_owned(),
            event(&validation_token, &private, user),
        ),
    ])
    .await;
    let _function = runtime.spawn(
        env!("CARGO_BIN_EXE_verify-auth-challenge-response"),
        "verify-auth-challenge-response",
        &[
            ("AUTHSIGNAL_API_URL", &api_url),
            ("AUTHSIGNAL_SECRET_KEY", SECRET),
            ("AUTHSIGNAL_TIMEOUT_MS", "3000"),
            ("AWS_ENDPOINT_URL", &moto.endpoint),
            ("AWS_REGION", moto::REGION),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
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

    // The proved email is now verified in the user pool.
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(&moto.sdk_config().await);
    let user = cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username(&username)
        .send()
        .await
        .unwrap();
    let verified = user
        .user_attributes()
        .iter()
        .find(|attribute| attribute.name() == "email_verified")
        .and_then(|attribute| attribute.value());
    assert_eq!(verified, Some("true"));
}
