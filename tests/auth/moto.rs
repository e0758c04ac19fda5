//! Real Cognito-shaped tokens from moto's Cognito emulator (`moto_server`, from PyPI), verified
//! by the `serve` binary through moto's JWKS URL.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::helpers::ChildGuard;
use crate::moto_server;

const REGION: &str = "eu-west-1";

struct Moto {
    _server: moto_server::Moto,
    endpoint: String,
    http: reqwest::Client,
}

impl Moto {
    async fn start() -> Moto {
        let server = moto_server::Moto::start().await;
        Moto {
            endpoint: server.endpoint.clone(),
            _server: server,
            http: reqwest::Client::new(),
        }
    }

    /// One Cognito Identity Provider call (AWS JSON 1.1). moto reads the region from the
    /// credential scope and does not check the signature.
    async fn call(&self, operation: &str, body: Value) -> Value {
        let response = self
            .http
            .post(&self.endpoint)
            .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header(
                "Authorization",
                format!("AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0"),
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{operation} failed: {status} {body}");
        body
    }
}

struct Pool {
    id: String,
    client_id: String,
    other_client_id: String,
}

async fn pool_with_alice(moto: &Moto) -> Pool {
    let pool = moto
        .call("CreateUserPool", json!({ "PoolName": "test-pool" }))
        .await;
    let id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let client = |name: &str| {
        json!({
            "UserPoolId": id,
            "ClientName": name,
            "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        })
    };
    let app_client = moto.call("CreateUserPoolClient", client("app")).await;
    let other_client = moto.call("CreateUserPoolClient", client("other")).await;
    moto.call(
        "CreateGroup",
        json!({ "UserPoolId": id, "GroupName": "authenticator-admins" }),
    )
    .await;
    moto.call(
        "AdminCreateUser",
        json!({
            "UserPoolId": id,
            "Username": "alice",
            "MessageAction": "SUPPRESS",
            "UserAttributes": [{ "Name": "email", "Value": "alice@example.com" }],
        }),
    )
    .await;
    moto.call(
        "AdminSetUserPassword",
        json!({ "UserPoolId": id, "Username": "alice", "Password": "Correct-Horse-9!", "Permanent": true }),
    )
    .await;
    moto.call(
        "AdminAddUserToGroup",
        json!({ "UserPoolId": id, "Username": "alice", "GroupName": "authenticator-admins" }),
    )
    .await;
    Pool {
        id,
        client_id: app_client["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_owned(),
        other_client_id: other_client["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_owned(),
    }
}

async fn sign_in(moto: &Moto, pool: &Pool, client_id: &str) -> (String, String) {
    let result = moto
        .call(
            "AdminInitiateAuth",
            json!({
                "UserPoolId": pool.id,
                "ClientId": client_id,
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Correct-Horse-9!" },
            }),
        )
        .await;
    let tokens = &result["AuthenticationResult"];
    (
        tokens["AccessToken"].as_str().unwrap().into(),
        tokens["IdToken"].as_str().unwrap().into(),
    )
}

/// Starts the real `serve` binary with `env` and returns its base URL.
pub async fn spawn_serve(env: &[(&str, String)]) -> (ChildGuard, String) {
    let mut command = Command::new(crate::dev::cli_binary());
    command
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env_clear()
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("serve prints its address")
        .unwrap()
        .unwrap_or_default();
    let base_url = first
        .strip_prefix("listening on ")
        .expect("first line names the address")
        .to_owned();
    (ChildGuard(child), base_url)
}

#[tokio::test]
async fn serve_accepts_a_real_moto_access_token_and_refuses_its_id_token_and_other_clients() {
    let moto = Moto::start().await;
    let pool = pool_with_alice(&moto).await;
    let (access_token, id_token) = sign_in(&moto, &pool, &pool.client_id).await;
    let (other_client_token, _) = sign_in(&moto, &pool, &pool.other_client_id).await;

    let (_server, base_url) = spawn_serve(&[
        ("COGNITO_USER_POOL_ID", pool.id.clone()),
        ("COGNITO_CLIENT_IDS", pool.client_id.clone()),
        (
            "COGNITO_JWKS_URL",
            format!("{}/{}/.well-known/jwks.json", moto.endpoint, pool.id),
        ),
        ("AUTHSIGNAL_SECRET_KEY", "unused-in-this-test".to_owned()),
    ])
    .await;
    let http = reqwest::Client::new();
    let me = |token: String| {
        http.get(format!("{base_url}/v1/me"))
            .bearer_auth(token)
            .send()
    };

    let response = me(access_token).await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["username"], "alice");
    assert_eq!(body["groups"], json!(["authenticator-admins"]));
    assert_eq!(body["clientId"], pool.client_id.as_str());
    assert!(body["userId"].as_str().is_some_and(|sub| !sub.is_empty()));
    assert!(body["authTime"].is_i64());

    let id_token_response = me(id_token).await.unwrap();
    assert_eq!(
        id_token_response.status(),
        401,
        "an ID token is not an access token"
    );
    let other_client_response = me(other_client_token).await.unwrap();
    assert_eq!(
        other_client_response.status(),
        401,
        "tokens of other app clients are refused"
    );
}
