//! The whole local stack in process: token issuer + Authsignal emulator + API on one port,
//! configured like `dev`, with the policy under the test's control.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use cognito_authsignal::api::{self, Surface};
use cognito_authsignal::config::{ApiConfig, AuthsignalConfig, CognitoConfig, Config};
use cognito_authsignal::local::authsignal::{self as emulator, Emulator};
use cognito_authsignal::local::{LocalIssuer, TokenRequest, issuer};
use cognito_authsignal::server;
use reqwest::{Method, Response};
use secrecy::SecretString;
use serde_json::{Value, json};

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
    pub base_url: String,
    pub http: reqwest::Client,
    pub issuer: Arc<LocalIssuer>,
    /// The configuration the stack's API runs with (JWKS and Authsignal on this stack).
    pub config: Config,
}

impl Stack {
    pub async fn start() -> Stack {
        Self::start_with(test_policy()).await
    }

    pub async fn start_with(policy: ApiConfig) -> Stack {
        Self::build(policy, None).await
    }

    /// The stack with its Authsignal client pointed at `authsignal_url` (a wiremock server),
    /// with a short call budget.
    pub async fn with_authsignal_at(authsignal_url: &str) -> Stack {
        Self::build(test_policy(), Some(authsignal_url)).await
    }

    async fn build(policy: ApiConfig, authsignal_url: Option<&str>) -> Stack {
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
        };
        let issuer = Arc::new(LocalIssuer::new(&config.cognito));
        let app = api::finish(
            api::routes(server::app_state(&config), Surface::All)
                .merge(issuer::routes(issuer.clone()))
                .merge(emulator::routes(emulator)),
            &config.api,
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        Stack {
            base_url,
            http: reqwest::Client::new(),
            issuer,
            config,
        }
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

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Response {
        self.call_with(method, path, token, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    pub async fn list(&self, token: &str) -> Vec<Value> {
        let response = self
            .call(Method::GET, "/v1/me/authenticators", token, None)
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["authenticators"].as_array().unwrap().clone()
    }

    /// The latest code the emulator "sent" to `email`.
    pub async fn code_for(&self, email: &str) -> String {
        let outbox: Value = self
            .http
            .get(format!(
                "{}/local/authsignal/outbox?email={}",
                self.base_url,
                email.replace('@', "%40")
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        outbox["messages"].as_array().unwrap().last().unwrap()["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A Client API call as `@authsignal/browser` makes it.
    pub async fn client_api(
        &self,
        path: &str,
        authsignal_token: &str,
        body: Option<Value>,
    ) -> Value {
        let mut request = self
            .http
            .post(format!(
                "{}/local/authsignal/v1/client/{path}",
                self.base_url
            ))
            .bearer_auth(authsignal_token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "client API {path}");
        response.json().await.unwrap()
    }

    /// Enrolls `email` for the user behind `token` the way an app would: enrollment token from
    /// the API, then the Client API with the code from the outbox. Returns the authenticator id.
    pub async fn enroll_email(&self, token: &str, email: &str) -> String {
        let response = self
            .call(
                Method::POST,
                "/v1/me/authenticators/enrollment-token",
                token,
                Some(json!({})),
            )
            .await;
        assert_eq!(response.status(), 200);
        let enrollment: Value = response.json().await.unwrap();
        let authsignal_token = enrollment["token"].as_str().unwrap();
        let enrolled = self
            .client_api(
                "user-authenticators/email-otp",
                authsignal_token,
                Some(json!({ "email": email })),
            )
            .await;
        let code = self.code_for(email).await;
        let verified = self
            .client_api(
                "verify/email-otp",
                authsignal_token,
                Some(json!({ "verificationCode": code })),
            )
            .await;
        assert_eq!(verified["isVerified"], true);
        enrolled["userAuthenticatorId"].as_str().unwrap().to_owned()
    }

    /// Runs a step-up for `operation` with the user's enrolled email; returns the validation token.
    pub async fn step_up(&self, token: &str, operation: &str, email: &str) -> String {
        let response = self
            .call(
                Method::POST,
                "/v1/me/step-up",
                token,
                Some(json!({ "operation": operation })),
            )
            .await;
        assert_eq!(response.status(), 200);
        let challenge: Value = response.json().await.unwrap();
        assert!(
            challenge["url"]
                .as_str()
                .unwrap()
                .starts_with(&self.base_url)
        );
        let authsignal_token = challenge["token"].as_str().unwrap();
        self.client_api("challenge/email-otp", authsignal_token, None)
            .await;
        let code = self.code_for(email).await;
        let verified = self
            .client_api(
                "verify/email-otp",
                authsignal_token,
                Some(json!({ "verificationCode": code })),
            )
            .await;
        verified["accessToken"].as_str().unwrap().to_owned()
    }
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
