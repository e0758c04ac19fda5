//! An Authsignal emulator in process, and the sign-in challenge wired to it (or to any URL).

use std::sync::Arc;
use std::time::Duration;

use cognito_authsignal::authsignal::AuthsignalClient;
use cognito_authsignal::config::{AuthsignalConfig, SignInConfig};
use cognito_authsignal::triggers::SignInChallenge;
use cognito_authsignal_local::authsignal::serve_on_loopback;
use secrecy::SecretString;
use serde_json::{Value, json};

pub use crate::local_client::LocalClient;

pub const SECRET: &str = "sk_trigger_tests";

/// The emulator on a free port, with the local client helpers bound to it.
pub async fn emulator() -> (LocalClient, String) {
    let emulator = serve_on_loopback(SecretString::from(SECRET.to_owned()))
        .await
        .unwrap();
    (LocalClient::new(&emulator.base_url), emulator.api_url)
}

/// The sign-in challenge with the default action, calling Authsignal at `api_url` with a
/// `timeout` budget.
pub fn challenge(api_url: &str, policy: SignInConfig, timeout: Duration) -> SignInChallenge {
    let mut config = AuthsignalConfig::new(api_url, SecretString::from(SECRET.to_owned())).unwrap();
    config.total_timeout = timeout;
    SignInChallenge::new(
        Arc::new(AuthsignalClient::new(&config)),
        "cognitoAuth",
        policy,
    )
}

/// A fixture from `tests/triggers/fixtures/`.
pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/triggers/fixtures/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A Create event as Cognito sends it for the user `sub` with `email`.
pub fn create_event(sub: &str, email: &str) -> Value {
    let mut event = fixture("create-custom-challenge");
    event["request"]["userAttributes"]["sub"] = json!(sub);
    event["request"]["userAttributes"]["email"] = json!(email);
    event
}

/// A Verify event of the user `sub` with `email`, answering the round Create described with
/// `private_parameters`.
pub fn verify_event(sub: &str, email: &str, private_parameters: &Value, answer: &str) -> Value {
    let mut event = fixture("verify-answer");
    event["request"]["userAttributes"]["sub"] = json!(sub);
    event["request"]["userAttributes"]["email"] = json!(email);
    event["request"]["privateChallengeParameters"] = private_parameters.clone();
    event["request"]["challengeAnswer"] = json!(answer);
    event
}
