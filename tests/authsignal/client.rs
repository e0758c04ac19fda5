//! The reqwest adapter at the HTTP boundary (wiremock): method, path, encoding, auth, bodies,
//! every error class, timeouts, malformed bodies and retry counts per method; and, on a raw TCP
//! server, connections that close or reset after the request was sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cognito_authsignal::authsignal::*;
use cognito_authsignal::config::AuthsignalConfig;
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "sk_test_secret";

fn client_for(server: &MockServer, total_timeout: Duration) -> AuthsignalClient {
    client_at(&server.uri(), total_timeout)
}

fn client_at(url: &str, total_timeout: Duration) -> AuthsignalClient {
    let mut config = AuthsignalConfig::new(url, SecretString::from(SECRET.to_owned())).unwrap();
    config.total_timeout = total_timeout;
    AuthsignalClient::new(&config)
}

async fn client() -> (MockServer, AuthsignalClient) {
    let server = MockServer::start().await;
    let client = client_for(&server, Duration::from_secs(3));
    (server, client)
}

fn track_json() -> Value {
    json!({
        "state": "CHALLENGE_REQUIRED",
        "idempotencyKey": "idem-1",
        "url": "https://app.authsignal.com/challenge?token=t",
        "token": "client-token",
        "isEnrolled": true,
        "enrolledVerificationMethods": ["EMAIL_OTP", "HOLOGRAM"],
        "allowedVerificationMethods": ["EMAIL_OTP"],
        "defaultVerificationMethod": "EMAIL_OTP",
        "ruleIds": [],
        "futureField": { "x": 1 }
    })
}

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

#[tokio::test]
async fn track_posts_camel_case_attributes_with_basic_auth_to_an_encoded_path() {
    let (server, client) = client().await;
    Mock::given(method("POST"))
        .and(path("/v1/users/user%2F1%20%3F%23/actions/addAuthenticator"))
        // base64("sk_test_secret:")
        .and(header("authorization", "Basic c2tfdGVzdF9zZWNyZXQ6"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({ "scope": "add:authenticators", "redirectToSettings": true }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(track_json()))
        .expect(1)
        .mount(&server)
        .await;
    let attributes = TrackAttributes {
        scope: Some("add:authenticators".into()),
        redirect_to_settings: Some(true),
        ..TrackAttributes::default()
    };
    let response = client
        .track("user/1 ?#", "addAuthenticator", &attributes)
        .await
        .unwrap();
    assert_eq!(response.state, UserActionState::ChallengeRequired);
    assert_eq!(response.token.as_deref(), Some("client-token"));
    assert_eq!(
        response.enrolled_verification_methods.unwrap()[1],
        VerificationMethod::Unknown("HOLOGRAM".into())
    );
}

#[tokio::test]
async fn each_operation_uses_its_method_and_path() {
    let (server, client) = client().await;
    let authenticator = json!({
        "userAuthenticatorId": "a-1", "verificationMethod": "EMAIL_OTP",
        "createdAt": "2026-01-01T00:00:00Z", "email": "jane@example.com"
    });
    let routes = [
        (
            "POST",
            "/v1/validate",
            json!({ "isValid": true, "state": "CHALLENGE_SUCCEEDED", "actionCode": "signIn" }),
        ),
        (
            "GET",
            "/v1/users/u-1/authenticators",
            json!([authenticator]),
        ),
        ("DELETE", "/v1/users/u-1/authenticators/a%2F1", json!({})),
        (
            "POST",
            "/v1/users/u-1/authenticators",
            json!({ "authenticator": authenticator }),
        ),
        (
            "GET",
            "/v1/users/u-1",
            json!({ "isEnrolled": true, "email": "jane@example.com" }),
        ),
    ];
    for (verb, route, body) in routes {
        Mock::given(method(verb))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }

    let validated = client
        .validate_challenge(&ValidateChallengeRequest {
            token: "t".into(),
            user_id: Some("u-1".into()),
            action: Some("signIn".into()),
        })
        .await
        .unwrap();
    assert!(validated.challenge_succeeded());
    assert_eq!(validated.action(), Some("signIn"));
    assert_eq!(
        client.get_authenticators("u-1").await.unwrap()[0].user_authenticator_id,
        "a-1"
    );
    client.delete_authenticator("u-1", "a/1").await.unwrap();
    let enrolled = client
        .enroll_verified_authenticator(
            "u-1",
            &EnrollVerifiedAuthenticatorRequest {
                verification_method: VerificationMethod::EmailOtp,
                email: Some("jane@example.com".into()),
                phone_number: None,
                otp_uri: None,
                is_default: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        enrolled.authenticator.verification_method,
        VerificationMethod::EmailOtp
    );
    assert!(client.get_user("u-1").await.unwrap().is_enrolled);

    let received = requests(&server).await;
    let validate_body: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(
        validate_body,
        json!({ "token": "t", "userId": "u-1", "action": "signIn" })
    );
    let enroll_body: Value = serde_json::from_slice(&received[3].body).unwrap();
    assert_eq!(
        enroll_body,
        json!({ "verificationMethod": "EMAIL_OTP", "email": "jane@example.com" })
    );
    assert!(received[1].body.is_empty(), "GET sends no body");
}

#[tokio::test]
async fn dot_segments_are_refused_before_sending() {
    let (server, client) = client().await;
    for id in ["", ".", ".."] {
        let error = client.delete_authenticator("u-1", id).await.unwrap_err();
        assert!(
            matches!(error, AuthsignalError::InvalidArgument(_)),
            "{id:?}: {error:?}"
        );
    }
    assert!(requests(&server).await.is_empty());
}

async fn error_for(status: u16, body: Value) -> AuthsignalError {
    let (server, client) = client().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    client
        .track("u-1", "signIn", &TrackAttributes::default())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn upstream_errors_keep_status_code_and_description() {
    let unauthorized = error_for(401, json!({
        "error": "unauthorized", "errorCode": "unauthorized",
        "errorDescription": "The request is unauthorized. Check that your API key and region base URL are correctly configured."
    })).await;
    let AuthsignalError::Unauthorized(upstream) = unauthorized else {
        panic!("{unauthorized:?}")
    };
    assert_eq!(upstream.status, 401);
    assert_eq!(upstream.code.as_deref(), Some("unauthorized"));
    assert!(upstream.description.unwrap().contains("region base URL"));

    let invalid = error_for(
        400,
        json!({ "error": "invalid_request", "errorDescription": "bad" }),
    )
    .await;
    assert!(
        matches!(&invalid, AuthsignalError::InvalidRequest(u) if u.code.as_deref() == Some("invalid_request")),
        "{invalid:?}"
    );
    let not_found = error_for(404, json!({ "errorCode": "not_found" })).await;
    assert!(
        matches!(&not_found, AuthsignalError::NotFound(u) if u.status == 404),
        "{not_found:?}"
    );
    let rate_limited = error_for(429, json!({ "errorCode": "too_many_requests" })).await;
    assert!(
        matches!(&rate_limited, AuthsignalError::RateLimited { upstream, .. } if upstream.status == 429),
        "{rate_limited:?}"
    );
    let upstream = error_for(500, json!({ "errorCode": "internal" })).await;
    assert!(
        matches!(&upstream, AuthsignalError::Upstream(u) if u.status == 500),
        "{upstream:?}"
    );
    let no_body = error_for(502, Value::Null).await;
    assert!(
        matches!(&no_body, AuthsignalError::Upstream(u) if u.status == 502 && u.code.is_none()),
        "{no_body:?}"
    );
}

#[tokio::test]
async fn a_malformed_success_body_is_a_decode_error() {
    let (server, client) = client().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
        .mount(&server)
        .await;
    let error = client.get_user("u-1").await.unwrap_err();
    assert!(matches!(error, AuthsignalError::Decode(_)), "{error:?}");
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "state": 7 })))
        .mount(&server)
        .await;
    let error = client
        .track("u-1", "a", &TrackAttributes::default())
        .await
        .unwrap_err();
    assert!(matches!(error, AuthsignalError::Decode(_)), "{error:?}");
}

#[tokio::test]
async fn a_slow_answer_times_out_within_the_budget() {
    let server = MockServer::start().await;
    let client = client_for(&server, Duration::from_millis(400));
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(track_json())
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let started = Instant::now();
    let error = client
        .track("u-1", "signIn", &TrackAttributes::default())
        .await
        .unwrap_err();
    assert_eq!(
        error,
        AuthsignalError::Timeout {
            budget: Duration::from_millis(400)
        }
    );
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        requests(&server).await.len(),
        1,
        "a POST that may have arrived is not repeated"
    );
}

#[tokio::test]
async fn get_and_delete_retry_5xx_twice_then_give_up() {
    let (server, client) = client().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    assert!(matches!(
        client.get_authenticators("u-1").await,
        Err(AuthsignalError::Upstream(_))
    ));
    assert_eq!(
        requests(&server).await.len(),
        3,
        "GET: one attempt + two retries"
    );
    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    assert!(client.delete_authenticator("u-1", "a-1").await.is_err());
    assert_eq!(
        requests(&server).await.len(),
        3,
        "DELETE: one attempt + two retries"
    );
}

#[tokio::test]
async fn post_is_never_retried_on_an_answer() {
    let (server, client) = client().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    assert!(
        client
            .track("u-1", "signIn", &TrackAttributes::default())
            .await
            .is_err()
    );
    assert_eq!(requests(&server).await.len(), 1);
    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    let validate = ValidateChallengeRequest {
        token: "t".into(),
        user_id: None,
        action: None,
    };
    assert!(matches!(
        client.validate_challenge(&validate).await,
        Err(AuthsignalError::RateLimited { .. })
    ));
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_retry_succeeds_and_retry_after_is_honoured() {
    let (server, client) = client().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let started = Instant::now();
    assert!(client.get_authenticators("u-1").await.unwrap().is_empty());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_budget_gives_up_at_once() {
    let (server, client) = client().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "60"))
        .mount(&server)
        .await;
    let started = Instant::now();
    let error = client.get_user("u-1").await.unwrap_err();
    assert!(
        matches!(error, AuthsignalError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(60)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_connection_that_cannot_be_opened_is_retried_for_every_method_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = AuthsignalConfig::new(&url, SecretString::from(SECRET.to_owned())).unwrap();
    let client = AuthsignalClient::new(&config);
    let started = Instant::now();
    let error = client
        .track("u-1", "signIn", &TrackAttributes::default())
        .await
        .unwrap_err();
    assert!(matches!(error, AuthsignalError::Transport(_)), "{error:?}");
    // Two backoffs (~100 ms and ~200 ms, plus jitter) happened before giving up.
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_secret_never_shows_in_debug_output_or_errors() {
    let (server, client) = client().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "error": "unauthorized" })))
        .mount(&server)
        .await;
    let error = client.get_user("u-1").await.unwrap_err();
    assert!(!format!("{client:?}").contains(SECRET));
    assert!(!format!("{error:?} {error}").contains(SECRET));
}

/// How the raw server ends a connection it does not answer.
#[derive(Debug, Clone, Copy)]
enum Hangup {
    /// FIN: the connection closes cleanly with no answer.
    Close,
    /// RST (`SO_LINGER` 0): the connection is reset.
    Reset,
}

/// An HTTP server on loopback that reads each request whole, ends the first `unanswered`
/// connections without a byte of answer (`how`), and answers the others `200 []`. Returns its
/// URL and how many connections it accepted.
async fn hanging_up_server(unanswered: usize, how: Hangup) -> (String, Arc<AtomicUsize>) {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let number = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                read_request(&mut stream).await;
                if number < unanswered {
                    if let Hangup::Reset = how {
                        stream.set_zero_linger().unwrap();
                    }
                    drop(stream);
                } else {
                    let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                                  content-length: 2\r\nconnection: close\r\n\r\n[]";
                    let _ = stream.write_all(answer.as_bytes()).await;
                }
            });
        }
    });
    (url, accepted)
}

/// Reads the head and the `content-length` body of one request.
async fn read_request(stream: &mut tokio::net::TcpStream) {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        let read = stream.read(&mut buffer).await.unwrap_or(0);
        if read == 0 {
            return;
        }
        received.extend_from_slice(&buffer[..read]);
        let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0);
        if received.len() >= end + 4 + length {
            return;
        }
    }
}

#[tokio::test]
async fn a_get_or_delete_whose_connection_drops_after_sending_is_retried() {
    for how in [Hangup::Close, Hangup::Reset] {
        let (url, accepted) = hanging_up_server(1, how).await;
        let client = client_at(&url, Duration::from_secs(3));
        let listed = client.get_authenticators("u-1").await;
        assert!(
            matches!(&listed, Ok(list) if list.is_empty()),
            "{how:?}: {listed:?}"
        );
        assert_eq!(accepted.load(Ordering::SeqCst), 2, "GET, {how:?}");

        let (url, accepted) = hanging_up_server(1, how).await;
        let client = client_at(&url, Duration::from_secs(3));
        let deleted = client.delete_authenticator("u-1", "a-1").await;
        assert_eq!(deleted, Ok(()), "{how:?}");
        assert_eq!(accepted.load(Ordering::SeqCst), 2, "DELETE, {how:?}");
    }
}

#[tokio::test]
async fn a_post_whose_connection_drops_after_sending_is_never_repeated() {
    for how in [Hangup::Close, Hangup::Reset] {
        let (url, accepted) = hanging_up_server(1, how).await;
        let client = client_at(&url, Duration::from_secs(3));
        let error = client
            .track("u-1", "signIn", &TrackAttributes::default())
            .await
            .unwrap_err();
        assert!(
            matches!(error, AuthsignalError::Transport(_)),
            "{how:?}: {error:?}"
        );
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            1,
            "Authsignal may have tracked it: {how:?}"
        );
    }
}

#[tokio::test]
async fn retries_after_dropped_connections_stay_within_the_budget() {
    // Every connection is reset. Within 250 ms there is room for the first backoff (100–120 ms)
    // but not for the second (200–240 ms more), so there are two attempts and no sleep past
    // the budget.
    let (url, accepted) = hanging_up_server(usize::MAX, Hangup::Reset).await;
    let budget = Duration::from_millis(250);
    let client = client_at(&url, budget);
    let started = Instant::now();
    let error = client.get_user("u-1").await.unwrap_err();
    assert!(matches!(error, AuthsignalError::Transport(_)), "{error:?}");
    assert!(started.elapsed() < budget, "{:?}", started.elapsed());
    assert_eq!(accepted.load(Ordering::SeqCst), 2);

    // With room in the budget: the first attempt and MAX_RETRIES more, then the error.
    let (url, accepted) = hanging_up_server(usize::MAX, Hangup::Close).await;
    let client = client_at(&url, Duration::from_secs(3));
    let error = client.get_user("u-1").await.unwrap_err();
    assert!(matches!(error, AuthsignalError::Transport(_)), "{error:?}");
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1 + cognito_authsignal::authsignal::client::MAX_RETRIES as usize,
        "one attempt and two retries"
    );
}
