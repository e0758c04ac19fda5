//! The `cognito-authsignal` binary: `dev` and `serve`, black-box.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::MockServer;

use crate::helpers::*;
use crate::moto::spawn_serve;

use crate::dev;

/// Starts `dev --port 0`; returns the process, its base URL and the printed token.
async fn spawn_dev() -> (dev::DevServer, String, String) {
    let dev = dev::DevServer::start(&[]).await;
    let (base_url, token) = (dev.base_url.clone(), dev.token.clone());
    assert!(
        dev.banner.contains(&format!(
            "curl -s -H \"Authorization: Bearer $TOKEN\" {base_url}/v1/me"
        )),
        "{}",
        dev.banner
    );
    (dev, base_url, token)
}

#[tokio::test]
async fn dev_prints_a_token_that_the_api_accepts() {
    let (_dev, base_url, token) = spawn_dev().await;
    let response = reqwest::Client::new()
        .get(format!("{base_url}/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["username"], "dev-user");
    assert_eq!(me["clientId"], "localdevclient");
    assert_eq!(me["scopes"], json!(["aws.cognito.signin.user.admin"]));
}

#[tokio::test]
async fn dev_shows_its_generated_secret_and_masks_one_from_the_environment() {
    let generated = dev::DevServer::start(&[]).await;
    let line = generated
        .banner
        .lines()
        .find(|line| line.contains("Authsignal secret"))
        .unwrap();
    assert!(
        line.contains("local_sk_") && line.ends_with("(generated)"),
        "{line}"
    );

    let real_looking = "sk_live_9f8e7d6c5b4a39281706";
    let from_env = dev::DevServer::start(&[("AUTHSIGNAL_SECRET_KEY", real_looking)]).await;
    assert!(
        !from_env.banner.contains(real_looking),
        "{}",
        from_env.banner
    );
    assert!(
        from_env
            .banner
            .contains("Authsignal secret  sk_…1706 (from AUTHSIGNAL_SECRET_KEY)"),
        "{}",
        from_env.banner
    );
}

#[tokio::test]
async fn dev_mints_cognito_shaped_tokens_on_request() {
    let (_dev, base_url, _) = spawn_dev().await;
    let http = reqwest::Client::new();
    let auth_time = now() - 3_000;
    let minted: Value = http
        .post(format!("{base_url}/local/cognito/token"))
        .json(&json!({
            "sub": "0f0e0d0c-aaaa-4bbb-8ccc-111122223333",
            "username": "bob",
            "groups": ["authenticator-admins", "staff"],
            "scopes": ["openid", "profile"],
            "authTime": auth_time,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = minted["accessToken"].as_str().unwrap();

    let (header, payload) = decode_unverified(token);
    assert_eq!(header["alg"], "RS256");
    assert!(header["kid"].is_string());
    let names: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for claim in [
        "iss",
        "sub",
        "client_id",
        "token_use",
        "scope",
        "auth_time",
        "iat",
        "exp",
        "jti",
        "origin_jti",
        "username",
        "cognito:groups",
        "event_id",
        "version",
    ] {
        assert!(
            names.contains(&claim),
            "claim {claim} missing from {payload}"
        );
    }
    assert_eq!(
        payload["iss"],
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_LocalDev"
    );
    assert_eq!(payload["token_use"], "access");

    let me: Value = http
        .get(format!("{base_url}/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me,
        json!({
            "userId": "0f0e0d0c-aaaa-4bbb-8ccc-111122223333",
            "username": "bob",
            "groups": ["authenticator-admins", "staff"],
            "scopes": ["openid", "profile"],
            "authTime": auth_time,
            "clientId": "localdevclient",
        })
    );

    // An ID token and an expired token from the same issuer are refused.
    for request in [json!({ "tokenUse": "id" }), json!({ "expiresIn": -5 })] {
        let minted: Value = http
            .post(format!("{base_url}/local/cognito/token"))
            .json(&request)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let response = http
            .get(format!("{base_url}/v1/me"))
            .bearer_auth(minted["accessToken"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{request}");
    }

    // Bad mint requests are problem+json 400s.
    let response = http
        .post(format!("{base_url}/local/cognito/token"))
        .json(&json!({ "expiresIn": "soon" }))
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "invalid_request").await;
}

#[tokio::test]
async fn dev_serves_health_jwks_and_problem_404_405() {
    let (_dev, base_url, _) = spawn_dev().await;
    let http = reqwest::Client::new();
    let health = http.get(format!("{base_url}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.headers()["cache-control"], "no-store");

    let jwks: Value = http
        .get(format!(
            "{base_url}/local/cognito/eu-west-1_LocalDev/.well-known/jwks.json"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    assert_eq!(jwks["keys"][0]["use"], "sig");

    let missing = http
        .get(format!("{base_url}/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_problem(missing, 404, "not_found").await;
    let wrong_method = http
        .delete(format!("{base_url}/v1/me"))
        .send()
        .await
        .unwrap();
    assert_problem(wrong_method, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn serve_prefetches_the_jwks_before_the_first_request() {
    let key = cognito_authsignal_local::keys::SigningKey::generate("good-key");
    let jwks = MockServer::start().await;
    serve_jwks(&jwks, key.jwks()).await;
    let (_server, _base_url) = spawn_serve(&[
        ("COGNITO_USER_POOL_ID", POOL_ID.to_owned()),
        ("COGNITO_CLIENT_IDS", CLIENT_ID.to_owned()),
        ("COGNITO_JWKS_URL", format!("{}{JWKS_PATH}", jwks.uri())),
        ("AUTHSIGNAL_SECRET_KEY", "unused-in-this-test".to_owned()),
    ])
    .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while jwks_requests(&jwks).await == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        jwks_requests(&jwks).await,
        1,
        "one fetch at start-up, before any request"
    );
}

fn decode_unverified(token: &str) -> (Value, Value) {
    use base64::Engine;
    let decode = |part: &str| -> Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .unwrap(),
        )
        .unwrap()
    };
    let mut parts = token.split('.');
    (decode(parts.next().unwrap()), decode(parts.next().unwrap()))
}
