//! Shared test set-up: generated keys, a JWKS served by wiremock, the API spawned in process.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cognito_authsignal::api::AppState;
use cognito_authsignal::app::App;
use cognito_authsignal::auth::{CognitoVerifier, JwksCache, JwksSettings};
use cognito_authsignal::authsignal::AuthsignalClient;
use cognito_authsignal::config::{ApiConfig, AuthsignalConfig, CognitoConfig, ServerConfig};
use cognito_authsignal_local::keys::SigningKey;
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const POOL_ID: &str = "eu-west-1_TestPool1";
pub const CLIENT_ID: &str = "testclient";
pub const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1";
pub const JWKS_PATH: &str = "/eu-west-1_TestPool1/.well-known/jwks.json";

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Claims of a valid Cognito access token; tests change one thing at a time.
pub fn valid_claims() -> Value {
    let now = now();
    json!({
        "sub": "7f1c2c1e-5a0b-4c55-9d7e-2b1f0d4a9e11",
        "cognito:groups": ["authenticator-admins"],
        "iss": ISSUER,
        "version": 2,
        "client_id": CLIENT_ID,
        "origin_jti": "0b7e5bd1-1111-4a3b-9d35-4f5d3c2b1a00",
        "event_id": "2f3e4d5c-2222-4b6a-8c9d-0e1f2a3b4c5d",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now - 60,
        "exp": now + 3600,
        "iat": now - 60,
        "jti": "a1b2c3d4-3333-4e5f-8a9b-0c1d2e3f4a5b",
        "username": "alice",
    })
}

pub fn cognito_config(jwks_url: String) -> CognitoConfig {
    let mut config = CognitoConfig::for_pool(POOL_ID, vec![CLIENT_ID.into()]).unwrap();
    config.jwks_url = jwks_url;
    config
}

/// Settings short enough for tests to wait out the penalty box.
pub fn fast_settings() -> JwksSettings {
    JwksSettings {
        attempt_timeout: Duration::from_millis(300),
        refetch_cooldown: Duration::from_millis(400),
        ..JwksSettings::default()
    }
}

pub async fn serve_jwks(server: &MockServer, jwks: Value) {
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(JWKS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks))
        .mount(server)
        .await;
}

pub async fn jwks_requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

pub fn verifier(jwks_url: String, settings: JwksSettings) -> Arc<CognitoVerifier> {
    let config = cognito_config(jwks_url.clone());
    let jwks = JwksCache::new(jwks_url, reqwest::Client::new(), settings);
    Arc::new(CognitoVerifier::new(&config, jwks))
}

/// The API, in process, verifying against a wiremock JWKS.
pub struct TestApp {
    pub base_url: String,
    pub http: reqwest::Client,
    /// Kept alive for as long as the app: dropping it stops the JWKS endpoint.
    pub _jwks_server: MockServer,
    pub key: SigningKey,
    pub verifier: Arc<CognitoVerifier>,
}

impl TestApp {
    pub async fn spawn_with(
        key: SigningKey,
        jwks_server: MockServer,
        settings: JwksSettings,
    ) -> TestApp {
        let verifier = verifier(format!("{}{JWKS_PATH}", jwks_server.uri()), settings);
        // These tests never reach Authsignal; the client points at a closed local port.
        let authsignal_config =
            AuthsignalConfig::new("http://127.0.0.1:9", SecretString::from("unused")).unwrap();
        let authsignal = Arc::new(AuthsignalClient::new(&authsignal_config));
        let app = App::from_state(AppState::new(
            verifier.clone(),
            authsignal,
            ApiConfig::default(),
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let limits = ServerConfig::default();
            app.serve(
                listener,
                &limits,
                axum::Router::new(),
                std::future::pending(),
            )
            .await
        });
        TestApp {
            base_url,
            http: reqwest::Client::new(),
            _jwks_server: jwks_server,
            key,
            verifier,
        }
    }

    pub fn token(&self, claims: &Value) -> String {
        self.key.sign_jwt(claims)
    }

    /// `GET /v1/me` with the given `Authorization` header value (or none).
    pub async fn get_me(&self, authorization: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(format!("{}/v1/me", self.base_url));
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        request.send().await.unwrap()
    }
}

/// Asserts a problem+json response with the given status and code; returns the body.
pub async fn assert_problem(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(
        body["type"],
        format!("urn:cognito-authsignal:problem:{code}")
    );
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

/// A child process that is killed when the test ends, however it ends.
pub struct ChildGuard(pub tokio::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.start_kill();
    }
}
