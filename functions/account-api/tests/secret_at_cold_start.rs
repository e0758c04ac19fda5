//! Black box: the built `account-api` binary reads the Authsignal secret key from Secrets
//! Manager (moto) at cold start when only `AUTHSIGNAL_SECRET_ARN` is set, and serves with it; a
//! secret it cannot read stops the start with a log line that names the secret, never a value.

#[path = "../../../tests/common/moto.rs"]
mod moto;
#[path = "../../../tests/common/runtime_api.rs"]
mod runtime_api;

use std::sync::Arc;
use std::time::Duration;

use cognito_authsignal::config::CognitoConfig;
use cognito_authsignal::local::authsignal::{Emulator, routes as emulator_routes};
use cognito_authsignal::local::cognito::issuer::routes as issuer_routes;
use cognito_authsignal::local::{LocalIssuer, TokenRequest};
use moto::Moto;
use runtime_api::RuntimeApi;
use secrecy::SecretString;
use serde_json::{Value, json};

const SECRET_KEY: &str = "sk_from_secrets_manager";

fn list_event(token: &str) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/api/fixtures/apigw-v2-list-authenticators.json"
    );
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["headers"]["authorization"] = Value::String(format!("Bearer {token}"));
    event
}

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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let cognito =
        CognitoConfig::for_pool("eu-west-1_Secrets", vec!["apitestclient".into()]).unwrap();
    let issuer = Arc::new(LocalIssuer::new(&cognito));
    let emulator = Arc::new(Emulator::new(
        SecretString::from(SECRET_KEY.to_owned()),
        &base_url,
    ));
    let authsignal_url = emulator.api_url();
    let stack = issuer_routes(issuer.clone()).merge(emulator_routes(emulator));
    tokio::spawn(async move { axum::serve(listener, stack).await });
    let token = issuer
        .mint(&TokenRequest {
            sub: Some("u-secret".into()),
            ..Default::default()
        })
        .unwrap()
        .access_token;
    let jwks_url = LocalIssuer::jwks_url(&base_url, &cognito.user_pool_id);

    let runtime = RuntimeApi::start(vec![("req".to_owned(), list_event(&token))]).await;
    let mut env = lambda_environment(&moto, &secret_arn);
    env.extend([
        ("COGNITO_USER_POOL_ID", cognito.user_pool_id.as_str()),
        ("COGNITO_CLIENT_IDS", "apitestclient"),
        ("COGNITO_JWKS_URL", jwks_url.as_str()),
        ("AUTHSIGNAL_API_URL", authsignal_url.as_str()),
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
        ("COGNITO_USER_POOL_ID", cognito.user_pool_id.as_str()),
        ("COGNITO_CLIENT_IDS", "apitestclient"),
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
