//! What the account-api black-box tests share: the local stack (Cognito-compatible issuer and
//! Authsignal emulator on one loopback port) and the API Gateway v2 event they send.

use std::sync::Arc;

use cognito_authsignal_local::authsignal::{Emulator, routes as emulator_routes};
use cognito_authsignal_local::cognito::PoolConfig;
use cognito_authsignal_local::cognito::issuer::routes as issuer_routes;
use cognito_authsignal_local::{LocalIssuer, TokenRequest};
use secrecy::SecretString;
use serde_json::Value;

/// The app client whose access tokens the function is configured to accept.
pub const CLIENT_ID: &str = "apitestclient";

pub struct LocalStack {
    pub user_pool_id: String,
    pub jwks_url: String,
    pub authsignal_url: String,
    issuer: Arc<LocalIssuer>,
}

impl LocalStack {
    /// Serves a pool `user_pool_id` and an emulator that accepts only `secret_key`.
    pub async fn start(user_pool_id: &str, secret_key: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let cognito = PoolConfig::new(user_pool_id, vec![CLIENT_ID.into()]);
        let issuer = Arc::new(LocalIssuer::new(&cognito));
        let emulator = Arc::new(Emulator::new(
            SecretString::from(secret_key.to_owned()),
            &base_url,
        ));
        let authsignal_url = emulator.api_url();
        let stack = issuer_routes(issuer.clone()).merge(emulator_routes(emulator));
        tokio::spawn(async move { axum::serve(listener, stack).await });
        LocalStack {
            jwks_url: LocalIssuer::jwks_url(&base_url, &cognito.user_pool_id),
            user_pool_id: cognito.user_pool_id,
            authsignal_url,
            issuer,
        }
    }

    /// An access token for `sub`.
    pub fn token(&self, sub: &str) -> String {
        self.issuer
            .mint(&TokenRequest {
                sub: Some(sub.into()),
                ..Default::default()
            })
            .unwrap()
            .access_token
    }
}

/// `GET /v1/me/authenticators` as API Gateway v2 sends it, with `token` as the bearer token or
/// without an Authorization header.
pub fn list_event(token: Option<&str>) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/api/fixtures/apigw-v2-list-authenticators.json"
    );
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    match token {
        Some(token) => event["headers"]["authorization"] = Value::String(format!("Bearer {token}")),
        None => {
            event["headers"]
                .as_object_mut()
                .unwrap()
                .remove("authorization");
        }
    }
    event
}
