//! The Authsignal emulator over HTTP, driven by the service's own client (the sequence the
//! Node SDK script also runs) and by raw requests for the Client API and error shapes.

use cognito_authsignal::authsignal::*;
use cognito_authsignal::config::AuthsignalConfig;
use cognito_authsignal_local::authsignal::serve_on_loopback;
use secrecy::SecretString;

use crate::local_client::LocalClient;
use serde_json::{Value, json};

pub const SECRET: &str = "sk_local_emulator_test";

pub struct EmulatorApp {
    pub api_url: String,
    pub http: reqwest::Client,
    /// Client API and outbox helpers.
    pub local: LocalClient,
}

impl EmulatorApp {
    pub async fn spawn() -> EmulatorApp {
        let served = serve_on_loopback(SecretString::from(SECRET.to_owned()))
            .await
            .unwrap();
        EmulatorApp {
            local: LocalClient::new(&served.base_url),
            api_url: served.api_url,
            http: reqwest::Client::new(),
        }
    }

    pub fn client(&self, secret: &str) -> AuthsignalClient {
        let config =
            AuthsignalConfig::new(&self.api_url, SecretString::from(secret.to_owned())).unwrap();
        AuthsignalClient::new(&config)
    }
}

/// An emulator and the service's client for it: what the Client API tests share (each file adds
/// its own helpers in an `impl Tenant` of its own).
pub struct Tenant {
    pub app: EmulatorApp,
    pub client: AuthsignalClient,
}

impl Tenant {
    pub async fn start() -> Tenant {
        let app = EmulatorApp::spawn().await;
        let client = app.client(SECRET);
        Tenant { app, client }
    }

    /// A client token from track, as the service gets one.
    pub async fn token_with(
        &self,
        user: &str,
        action: &str,
        attributes: TrackAttributes,
    ) -> String {
        let tracked = self.client.track(user, action, &attributes).await.unwrap();
        tracked.token.unwrap()
    }

    /// A Client API call with `token`: the status and body.
    pub async fn call(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.app.local.client_api_raw(path, token, Some(body)).await
    }

    /// `/validate` with the token alone.
    pub async fn validate(&self, token: &str) -> ValidateChallengeResponse {
        self.client
            .validate_challenge(&ValidateChallengeRequest {
                token: token.to_owned(),
                user_id: None,
                action: None,
            })
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn the_rust_client_runs_the_sdk_sequence_against_the_emulator() {
    let app = EmulatorApp::spawn().await;
    let client = app.client(SECRET);
    let user = "2b9ad1f3-7c4e-4b0e-9a51-9d0c1e2f3a4b";

    let wrong = app.client("sk_wrong").get_user(user).await.unwrap_err();
    let AuthsignalError::Unauthorized(upstream) = wrong else {
        panic!("{wrong:?}")
    };
    assert_eq!(upstream.code.as_deref(), Some("unauthorized"));

    assert!(!client.get_user(user).await.unwrap().is_enrolled);

    let first = client
        .track(user, "signIn", &TrackAttributes::default())
        .await
        .unwrap();
    assert_eq!(first.state, UserActionState::Allow);
    assert!(!first.is_enrolled);
    let page = app.http.get(first.url.unwrap()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("signIn"));

    let enrolled = client
        .enroll_verified_authenticator(
            user,
            &EnrollVerifiedAuthenticatorRequest {
                verification_method: VerificationMethod::EmailOtp,
                email: Some("jane@example.com".into()),
                phone_number: None,
                otp_uri: None,
                is_default: None,
            },
        )
        .await
        .unwrap()
        .authenticator;
    assert_eq!(enrolled.verification_method, VerificationMethod::EmailOtp);
    let listed = client.get_authenticators(user).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].email.as_deref(), Some("jane@example.com"));
    let profile = client.get_user(user).await.unwrap();
    assert!(profile.is_enrolled);
    assert_eq!(
        profile.enrolled_verification_methods,
        Some(vec![VerificationMethod::EmailOtp])
    );

    let settings = client
        .track(
            user,
            "manageAuthenticators",
            &TrackAttributes {
                redirect_to_settings: Some(true),
                redirect_url: Some("http://localhost:5173/settings".into()),
                scope: Some(
                    "add:authenticators update:authenticators remove:authenticators".into(),
                ),
                ..TrackAttributes::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(settings.state, UserActionState::ChallengeRequired);
    assert!(settings.is_enrolled);
    assert!(settings.url.unwrap().contains("screen=settings"));

    // Complete the challenge the way a client SDK would.
    let token = settings.token.unwrap();
    let (status, _) = app
        .local
        .client_api_raw("challenge/email-otp", &token, None)
        .await;
    assert_eq!(status, 200);
    let code = app.local.code_for("jane@example.com").await;
    let (status, verified) = app
        .local
        .client_api_raw(
            "verify/email-otp",
            &token,
            Some(json!({ "verificationCode": code })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(verified["isVerified"], true);
    let validation_token = verified["accessToken"].as_str().unwrap().to_owned();

    let validated = client
        .validate_challenge(&ValidateChallengeRequest {
            token: validation_token.clone(),
            user_id: Some(user.into()),
            action: Some("manageAuthenticators".into()),
        })
        .await
        .unwrap();
    assert!(validated.challenge_succeeded());
    assert_eq!(validated.action(), Some("manageAuthenticators"));
    assert_eq!(
        validated.verification_method,
        Some(VerificationMethod::EmailOtp)
    );
    let other_user = client
        .validate_challenge(&ValidateChallengeRequest {
            token: validation_token,
            user_id: Some("someone-else".into()),
            action: Some("manageAuthenticators".into()),
        })
        .await
        .unwrap();
    assert!(!other_user.is_valid);

    client
        .delete_authenticator(user, &enrolled.user_authenticator_id)
        .await
        .unwrap();
    let again = client
        .delete_authenticator(user, &enrolled.user_authenticator_id)
        .await
        .unwrap_err();
    assert!(matches!(again, AuthsignalError::NotFound(_)), "{again:?}");
    assert!(client.get_authenticators(user).await.unwrap().is_empty());
}

#[tokio::test]
async fn email_otp_enrollment_follows_the_scope_and_expiry_rules() {
    let app = EmulatorApp::spawn().await;
    let client = app.client(SECRET);
    let user = "user-scope-rules";
    let track = |scope: Option<&str>| {
        let attributes = TrackAttributes {
            scope: scope.map(str::to_owned),
            ..TrackAttributes::default()
        };
        let client = &client;
        async move {
            client
                .track(user, "addAuthenticator", &attributes)
                .await
                .unwrap()
                .token
                .unwrap()
        }
    };

    // The first authenticator needs no scope.
    let token = track(None).await;
    let (status, enrolled) = app
        .local
        .client_api_raw(
            "user-authenticators/email-otp",
            &token,
            Some(json!({ "email": "ann@example.com" })),
        )
        .await;
    assert_eq!(status, 200, "{enrolled}");
    assert_eq!(enrolled["userId"], user);
    let (_, wrong) = app
        .local
        .client_api_raw(
            "verify/email-otp",
            &token,
            Some(json!({ "verificationCode": "000000x" })),
        )
        .await;
    assert_eq!(
        wrong,
        json!({ "isVerified": false, "failureReason": "CODE_INVALID_OR_EXPIRED" })
    );
    let code = app.local.code_for("ann@example.com").await;
    let (_, verified) = app
        .local
        .client_api_raw(
            "verify/email-otp",
            &token,
            Some(json!({ "verificationCode": code })),
        )
        .await;
    assert_eq!(verified["isVerified"], true);
    assert_eq!(
        verified["userAuthenticator"]["email"], "a***@example.com",
        "the Client API masks"
    );
    assert_eq!(
        verified["userAuthenticator"]["userAuthenticatorId"],
        enrolled["userAuthenticatorId"]
    );

    // A second one needs add:authenticators.
    let unscoped = track(None).await;
    let (status, refused) = app
        .local
        .client_api_raw(
            "user-authenticators/email-otp",
            &unscoped,
            Some(json!({ "email": "bob@example.com" })),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(refused["errorCode"], "forbidden");
    assert_eq!(refused["error"], "forbidden");
    let scoped = track(Some("add:authenticators")).await;
    let (status, _) = app
        .local
        .client_api_raw(
            "user-authenticators/email-otp",
            &scoped,
            Some(json!({ "email": "bob@example.com" })),
        )
        .await;
    assert_eq!(status, 200);

    // Tokens last ten minutes.
    app.local.advance_clock(601).await;
    let (status, expired) = app
        .local
        .client_api_raw("challenge/email-otp", &scoped, None)
        .await;
    assert_eq!(status, 401);
    assert_eq!(expired["errorCode"], "expired_token");
    let (status, unknown) = app
        .local
        .client_api_raw("challenge/email-otp", "not-a-token", None)
        .await;
    assert_eq!(
        (status, unknown["errorCode"].as_str()),
        (401, Some("unauthorized"))
    );
}

#[tokio::test]
async fn bad_requests_get_authsignal_shaped_errors_and_nothing_panics() {
    let app = EmulatorApp::spawn().await;
    let http = &app.http;
    let basic = ("Authorization", "Basic c2tfbG9jYWxfZW11bGF0b3JfdGVzdDo="); // base64("sk_local_emulator_test:")

    let no_auth = http
        .get(format!("{}/users/u", app.api_url))
        .send()
        .await
        .unwrap();
    assert_eq!(no_auth.status(), 401);
    let body: Value = no_auth.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");
    assert_eq!(body["errorCode"], "unauthorized");
    assert!(
        body["errorDescription"]
            .as_str()
            .unwrap()
            .contains("region base URL")
    );

    let bad_json = http
        .post(format!("{}/users/u/actions/signIn", app.api_url))
        .header(basic.0, basic.1)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 400);
    assert_eq!(
        bad_json.json::<Value>().await.unwrap()["errorCode"],
        "invalid_request"
    );

    let bad_action = http
        .post(format!("{}/users/u/actions/sign%20in", app.api_url))
        .header(basic.0, basic.1)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_action.status(), 400);

    let garbage: [&[u8]; 6] = [
        b"",
        b"null",
        b"[]",
        b"\xff\xfe",
        b"{\"email\": 5}",
        &[b'{'; 4096],
    ];
    let paths = [
        ("POST", "users/u/actions/signIn"),
        ("POST", "validate"),
        ("POST", "users/u/authenticators"),
        ("DELETE", "users/u/authenticators/x"),
        ("GET", "users/%00"),
        ("POST", "client/user-authenticators/email-otp"),
        ("POST", "client/verify/email-otp"),
        ("POST", "client/challenge/email-otp"),
        ("PATCH", "users/u"),
    ];
    for (verb, path) in paths {
        for body in garbage {
            let response = http
                .request(verb.parse().unwrap(), format!("{}/{path}", app.api_url))
                .header(basic.0, basic.1)
                .body(body.to_vec())
                .send()
                .await
                .unwrap();
            assert!(
                response.status().as_u16() < 500,
                "{verb} {path}: {}",
                response.status()
            );
        }
    }
}
