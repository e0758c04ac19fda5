//! The whole local stack in process: token issuer + Authsignal emulator + API on one port,
//! configured like `dev`, with the policy under the test's control.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use cognito_authsignal::app::App;
use cognito_authsignal::config::{
    ApiConfig, AuthsignalConfig, CognitoConfig, Config, IntegrationsConfig, ServerConfig,
};
use cognito_authsignal::integrations::Integrations;
use cognito_authsignal_local::authsignal::{self as emulator, Emulator};
use cognito_authsignal_local::cognito::{PoolConfig, issuer};
use cognito_authsignal_local::{LocalIssuer, TokenRequest};
use reqwest::Response;
use secrecy::SecretString;
use serde_json::Value;

pub use crate::local_client::LocalClient;

pub const ADMIN_GROUP: &str = "authenticator-admins";

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn test_policy() -> ApiConfig {
    ApiConfig {
        settings_redirect_allowlist: vec![url::Url::parse("http://localhost:5173/").unwrap()],
        cors_allowed_origins: vec!["http://localhost:5173".into()],
        ..ApiConfig::default()
    }
}

pub struct Stack {
    /// HTTP helpers bound to the stack's base URL (also reachable through `Deref`).
    pub client: LocalClient,
    pub issuer: Arc<LocalIssuer>,
    /// The configuration the stack's API runs with (JWKS and Authsignal on this stack).
    pub config: Config,
}

impl Stack {
    pub async fn start() -> Stack {
        Self::start_with(test_policy()).await
    }

    pub async fn start_with(policy: ApiConfig) -> Stack {
        Self::build(policy, None, Integrations::default()).await
    }

    /// The stack with these adapters behind the API's ports (replay store, events, revocation).
    pub async fn with_integrations(integrations: Integrations) -> Stack {
        Self::build(test_policy(), None, integrations).await
    }

    /// The stack with its Authsignal client pointed at `authsignal_url` (a wiremock server),
    /// with a short call budget.
    pub async fn with_authsignal_at(authsignal_url: &str) -> Stack {
        Self::build(test_policy(), Some(authsignal_url), Integrations::default()).await
    }

    async fn build(
        policy: ApiConfig,
        authsignal_url: Option<&str>,
        integrations: Integrations,
    ) -> Stack {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let secret = SecretString::from("sk_api_tests".to_owned());
        let emulator = Arc::new(Emulator::new(secret.clone(), &base_url));
        let mut cognito =
            CognitoConfig::for_pool("eu-west-1_ApiTests", vec!["apitestclient".into()]).unwrap();
        cognito.jwks_url = LocalIssuer::jwks_url(&base_url, &cognito.user_pool_id);
        let mut authsignal =
            AuthsignalConfig::new(authsignal_url.unwrap_or(&emulator.api_url()), secret).unwrap();
        if authsignal_url.is_some() {
            authsignal.total_timeout = std::time::Duration::from_millis(500);
        }
        let config = Config {
            authsignal,
            api: policy,
            cognito,
            integrations: IntegrationsConfig::default(),
        };
        let issuer = Arc::new(LocalIssuer::new(&PoolConfig::new(
            &config.cognito.user_pool_id,
            config.cognito.client_ids.clone(),
        )));
        let local = issuer::routes(issuer.clone()).merge(emulator::routes(emulator));
        serve(
            App::with_integrations(&config, integrations),
            listener,
            local,
        );
        Stack {
            client: LocalClient::new(&base_url),
            issuer,
            config,
        }
    }

    /// Another instance of the API (its own process state) on its own port, sharing this
    /// stack's Cognito issuer and Authsignal, with `integrations`: what a second warm Lambda is.
    pub async fn another_instance(&self, integrations: Integrations) -> LocalClient {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let app = App::with_integrations(&self.config, integrations);
        serve(app, listener, axum::Router::new());
        LocalClient::new(&base_url)
    }

    /// An access token for `sub`, signed in `signed_in_ago` seconds ago.
    pub fn token(&self, sub: &str, groups: &[&str], signed_in_ago: i64) -> String {
        let request = TokenRequest {
            sub: Some(sub.into()),
            username: Some(format!("user-{sub}")),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            auth_time: Some(now() - signed_in_ago),
            ..TokenRequest::default()
        };
        self.issuer.mint(&request).unwrap().access_token
    }
}

impl std::ops::Deref for Stack {
    type Target = LocalClient;

    fn deref(&self) -> &LocalClient {
        &self.client
    }
}

/// Serves `app` and `extra` routes through the one server loop, with production's limits, for
/// as long as the test runs.
pub fn serve(app: App, listener: tokio::net::TcpListener, extra: axum::Router) {
    tokio::spawn(async move {
        app.serve(
            listener,
            &ServerConfig::default(),
            extra,
            std::future::pending(),
        )
        .await
    });
}

/// Asserts a problem+json response with the given status and code; returns the body.
pub async fn assert_problem(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(
        response.status().as_u16(),
        status,
        "status for expected `{code}`"
    );
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    body
}
