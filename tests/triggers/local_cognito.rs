//! The local user pool's wire protocol as the AWS SDKs see it: AWS JSON 1.1 errors with
//! Cognito's exception names, trigger failures surfaced as Cognito surfaces them, sessions bound
//! to their client, and challenge parameters that are all strings.

use std::sync::Arc;
use std::time::Duration;

use cognito_authsignal::config::SignInConfig;
use cognito_authsignal_cli::triggers::ProductTriggers;
use cognito_authsignal_local::LocalIssuer;
use cognito_authsignal_local::cognito::{self, LocalCognito, PoolConfig};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{challenge, emulator};

const CLIENT: &str = "wireclient";

struct Pool {
    endpoint: String,
    http: reqwest::Client,
}

impl Pool {
    /// A local pool whose Create and Verify call Authsignal at `authsignal_url`.
    async fn start(authsignal_url: &str) -> Pool {
        Self::start_with(authsignal_url, true).await
    }

    async fn start_with(authsignal_url: &str, prevent_user_existence_errors: bool) -> Pool {
        let config = PoolConfig::new("eu-west-1_Wire", vec![CLIENT.into()]);
        let issuer = Arc::new(LocalIssuer::new(&config));
        // The product's triggers, plugged in as `dev` plugs them.
        let triggers = ProductTriggers {
            policy: SignInConfig::default(),
            challenge: challenge(
                authsignal_url,
                SignInConfig::default(),
                Duration::from_secs(1),
            ),
        };
        let pool = Arc::new(
            LocalCognito::new(&config, issuer, Arc::new(triggers))
                .with_prevent_user_existence_errors(prevent_user_existence_errors),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, cognito::routes(pool)).await });
        Pool {
            endpoint: LocalCognito::endpoint_url(&base_url),
            http: reqwest::Client::new(),
        }
    }

    async fn raw(&self, target: Option<&str>, body: &str) -> (u16, Option<String>, Value) {
        let mut request = self
            .http
            .post(&self.endpoint)
            .header("content-type", cognito::CONTENT_TYPE)
            .body(body.to_owned());
        if let Some(target) = target {
            request = request.header("x-amz-target", target);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let kind = response
            .headers()
            .get("x-amzn-errortype")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, kind, response.json().await.unwrap())
    }

    async fn call(&self, operation: &str, body: Value) -> (u16, Value) {
        let target = format!("AWSCognitoIdentityProviderService.{operation}");
        let (status, kind, body) = self.raw(Some(&target), &body.to_string()).await;
        if status != 200 {
            assert_eq!(
                kind.as_deref(),
                Some(&*format!("{}:", body["__type"].as_str().unwrap()))
            );
        }
        (status, body)
    }

    async fn sign_up(&self, username: &str, email: &str) {
        let (status, body) = self
            .call(
                "SignUp",
                json!({
                    "ClientId": CLIENT, "Username": username, "Password": "Passw0rd!",
                    "UserAttributes": [{ "Name": "email", "Value": email }],
                }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["UserConfirmed"], true);
    }

    async fn start_custom_auth(&self, username: &str) -> (u16, Value) {
        self.call(
            "InitiateAuth",
            json!({ "ClientId": CLIENT, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": { "USERNAME": username } }),
        )
        .await
    }
}

fn assert_error(answer: (u16, Value), kind: &str) -> String {
    let (status, body) = answer;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], kind, "{body}");
    body["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn requests_are_checked_as_cognito_checks_them() {
    let (_client, api_url) = emulator().await;
    let pool = Pool::start(&api_url).await;
    let (status, kind, body) = pool.raw(None, "{}").await;
    assert_eq!(
        (status, kind.as_deref()),
        (400, Some("UnknownOperationException:"))
    );
    assert_eq!(body["__type"], "UnknownOperationException");
    let (_, _, body) = pool
        .raw(Some("AWSCognitoIdentityProviderService.SignUp"), "[1, 2]")
        .await;
    assert_eq!(body["__type"], "SerializationException");
    assert_error(
        pool.call("AdminCreateUser", json!({})).await,
        "UnknownOperationException",
    );
    assert_error(
        pool.call(
            "SignUp",
            json!({ "Username": "x", "Password": "Passw0rd!" }),
        )
        .await,
        "InvalidParameterException",
    );
    assert_error(
        pool.call(
            "SignUp",
            json!({ "ClientId": "nope", "Username": "x", "Password": "Passw0rd!" }),
        )
        .await,
        "ResourceNotFoundException",
    );
    let weak = assert_error(
        pool.call(
            "SignUp",
            json!({ "ClientId": CLIENT, "Username": "x", "Password": "short" }),
        )
        .await,
        "InvalidPasswordException",
    );
    assert!(weak.contains("Password not long enough"), "{weak}");
    assert_error(
        pool.call(
            "SignUp",
            json!({ "ClientId": CLIENT, "Username": "x", "Password": "Passw0rd!",
                    "UserAttributes": [{ "Name": "email", "Value": "not-an-email" }] }),
        )
        .await,
        "InvalidParameterException",
    );
    assert_error(
        pool.call(
            "InitiateAuth",
            json!({ "ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": { "USERNAME": "x", "PASSWORD": "Passw0rd!" } }),
        )
        .await,
        "InvalidParameterException",
    );
    let unknown = assert_error(
        pool.start_custom_auth("nobody").await,
        "NotAuthorizedException",
    );
    assert_eq!(unknown, "Incorrect username or password.");
}

#[tokio::test]
async fn challenges_carry_strings_and_the_stored_username_and_sessions_keep_their_client() {
    let (_client, api_url) = emulator().await;
    let pool = Pool::start(&api_url).await;
    pool.sign_up("Alice", "alice@example.com").await;
    let (status, started) = pool.start_custom_auth("ALICE").await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["ChallengeName"], "CUSTOM_CHALLENGE");
    let parameters = started["ChallengeParameters"].as_object().unwrap();
    assert!(parameters.values().all(Value::is_string), "{started}");
    assert_eq!(parameters["USERNAME"], "Alice");
    assert!(parameters.contains_key("token"));

    let respond = |client: &str, name: &str| {
        json!({
            "ClientId": client, "ChallengeName": name, "Session": started["Session"],
            "ChallengeResponses": { "USERNAME": "Alice", "ANSWER": "not-a-token" },
        })
    };
    assert_error(
        pool.call(
            "RespondToAuthChallenge",
            respond("nope", "CUSTOM_CHALLENGE"),
        )
        .await,
        "ResourceNotFoundException",
    );
    let (status, next) = pool
        .call(
            "RespondToAuthChallenge",
            respond(CLIENT, "CUSTOM_CHALLENGE"),
        )
        .await;
    assert_eq!(status, 200, "{next}");
    assert_eq!(next["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_ne!(next["Session"], started["Session"]);
    let reused = assert_error(
        pool.call(
            "RespondToAuthChallenge",
            respond(CLIENT, "CUSTOM_CHALLENGE"),
        )
        .await,
        "NotAuthorizedException",
    );
    assert!(reused.contains("only be used once"), "{reused}");
}

#[tokio::test]
async fn a_failing_create_trigger_surfaces_as_cognito_shows_it_without_upstream_text() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream internals"))
        .mount(&server)
        .await;
    let pool = Pool::start(&format!("{}/v1", server.uri())).await;
    pool.sign_up("bob", "bob@example.com").await;
    let message = assert_error(
        pool.start_custom_auth("bob").await,
        "UserLambdaValidationException",
    );
    assert_eq!(
        message,
        "CreateAuthChallenge failed with error The sign-in challenge is unavailable; try again shortly."
    );
}

#[tokio::test]
async fn a_legacy_pool_says_the_user_does_not_exist() {
    let (_client, api_url) = emulator().await;
    let pool = Pool::start_with(&api_url, false).await;
    let message = assert_error(
        pool.start_custom_auth("nobody").await,
        "UserNotFoundException",
    );
    assert_eq!(message, "User does not exist.");
    pool.sign_up("known", "known@example.com").await;
    let (status, started) = pool.start_custom_auth("known").await;
    assert_eq!(status, 200, "{started}");
}
