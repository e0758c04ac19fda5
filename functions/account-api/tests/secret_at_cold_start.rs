//! Black box: the built `account-api` binary reads the Authsignal secret key from Secrets
//! Manager (moto) at cold start when only `AUTHSIGNAL_SECRET_ARN` is set, and serves with it; a
//! secret it cannot read stops the start with a log line that names the secret, never a value.

mod common;
use cognito_authsignal_test_support::moto;
use cognito_authsignal_test_support::runtime_api;

use std::time::Duration;

use common::{CLIENT_ID, LocalStack, list_event};
use moto::Moto;
use runtime_api::RuntimeApi;
use serde_json::json;

const SECRET_KEY: &str = "sk_from_secrets_manager";

/// The function's environment on Lambda: no key, the secret's ARN, AWS pointed at moto.
fn lambda_environment<'a>(moto: &'a Moto, secret_arn: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("AUTHSIGNAL_SECRET_ARN", secret_arn),
        ("AWS_ENDPOINT_URL", &moto.endpoint),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_comes_from_secrets_manager_at_cold_start() {
    let moto = Moto::start().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&moto.sdk_config().await);
    let secret_arn = secrets
        .create_secret()
        .name("authsignal/server-key")
        .secret_string(json!({ "secretKey": SECRET_KEY }).to_string())
        .send()
        .await
        .unwrap()
        .arn
        .unwrap();

    // The local stack, whose emulator accepts only SECRET_KEY.
    let stack = LocalStack::start("eu-west-1_Secrets", SECRET_KEY).await;
    let token = stack.token("u-secret");

    let runtime = RuntimeApi::start(vec![("req".to_owned(), list_event(Some(&token)))]).await;
    let mut env = lambda_environment(&moto, &secret_arn);
    env.extend([
        ("COGNITO_USER_POOL_ID", stack.user_pool_id.as_str()),
        ("COGNITO_CLIENT_IDS", CLIENT_ID),
        ("COGNITO_JWKS_URL", stack.jwks_url.as_str()),
        ("AUTHSIGNAL_API_URL", stack.authsignal_url.as_str()),
    ]);
    let _function = runtime.spawn(env!("CARGO_BIN_EXE_account-api"), "account-api", &env);
    let outcomes = runtime.outcomes(1).await;
    let answer = outcomes["req"].response();
    assert_eq!(answer["statusCode"], 200, "{answer}");

    // A secret that does not exist: the start fails, saying which secret.
    let missing = secret_arn.replace("server-key", "no-such-key");
    let runtime = RuntimeApi::start(Vec::new()).await;
    let mut env = lambda_environment(&moto, &missing);
    env.extend([
        ("COGNITO_USER_POOL_ID", stack.user_pool_id.as_str()),
        ("COGNITO_CLIENT_IDS", CLIENT_ID),
    ]);
    let mut function = runtime.spawn(env!("CARGO_BIN_EXE_account-api"), "account-api", &env);
    let status = tokio::time::timeout(Duration::from_secs(20), function.wait())
        .await
        .expect("the function gives up")
        .unwrap();
    assert!(!status.success());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let logs = runtime.logs().join("\n");
    assert!(
        logs.contains("the Authsignal secret is unavailable") && logs.contains("no-such-key"),
        "{logs}"
    );
    assert!(!logs.contains(SECRET_KEY), "{logs}");
}
