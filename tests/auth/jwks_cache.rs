//! JWKS cache behaviour against a local JWKS server that counts requests.

use std::time::{Duration, Instant};

use cognito_authsignal::auth::jwks::JwksFetchError;
use cognito_authsignal::auth::{JwksSettings, VerifyError};
use cognito_authsignal_local::keys::{RsaScheme, SigningKey};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

fn jwks_url(server: &MockServer) -> String {
    format!("{}{JWKS_PATH}", server.uri())
}

fn with_kid(key: &SigningKey, kid: &str) -> String {
    key.sign_jwt_with(
        RsaScheme::Rs256,
        &json!({ "kid": kid, "alg": "RS256" }),
        &valid_claims(),
    )
}

async fn respond_with(server: &MockServer, template: ResponseTemplate) {
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(server)
        .await;
}

fn unavailable(outcome: Result<impl std::fmt::Debug, VerifyError>) -> JwksFetchError {
    match outcome {
        Err(VerifyError::JwksUnavailable(error)) => error,
        other => panic!("expected JwksUnavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn concurrent_first_requests_share_one_fetch() {
    let key = SigningKey::generate("good-key");
    let server = MockServer::start().await;
    serve_jwks(&server, key.jwks()).await;
    let verifier = verifier(jwks_url(&server), JwksSettings::default());
    let token = key.sign_jwt(&valid_claims());

    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), token.clone());
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().is_ok());
    }
    assert_eq!(jwks_requests(&server).await, 1);
}

#[tokio::test]
async fn unknown_kids_cause_at_most_one_refetch_per_cooldown_while_cached_keys_keep_working() {
    let key = SigningKey::generate("good-key");
    let server = MockServer::start().await;
    serve_jwks(&server, key.jwks()).await;
    let verifier = verifier(jwks_url(&server), fast_settings());
    verifier.jwks().prefetch().await.unwrap();
    assert_eq!(jwks_requests(&server).await, 1);

    let first = verifier
        .verify(&with_kid(&key, "forged-1"))
        .await
        .unwrap_err();
    assert!(
        format!("{first:?}").contains("KidNotFound { kid: \"forged-1\", penalty_box: false }"),
        "{first:?}"
    );
    assert_eq!(jwks_requests(&server).await, 2);

    for n in 0..50 {
        let error = verifier
            .verify(&with_kid(&key, &format!("forged-{n}")))
            .await
            .unwrap_err();
        assert!(
            format!("{error:?}").contains("penalty_box: true"),
            "{error:?}"
        );
    }
    assert_eq!(
        jwks_requests(&server).await,
        2,
        "the penalty box must hold off refetches"
    );
    assert!(
        verifier
            .verify(&key.sign_jwt(&valid_claims()))
            .await
            .is_ok(),
        "cached key still works"
    );

    tokio::time::sleep(fast_settings().refetch_cooldown + Duration::from_millis(50)).await;
    assert!(
        verifier
            .verify(&with_kid(&key, "forged-after"))
            .await
            .is_err()
    );
    assert_eq!(
        jwks_requests(&server).await,
        3,
        "one refetch once the cooldown has passed"
    );
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_after_the_penalty_box() {
    let old_key = SigningKey::generate("old-key");
    let new_key = SigningKey::generate("new-key");
    let server = MockServer::start().await;
    serve_jwks(&server, old_key.jwks()).await;
    let verifier = verifier(jwks_url(&server), fast_settings());
    let new_token = new_key.sign_jwt(&valid_claims());

    assert!(
        verifier
            .verify(&old_key.sign_jwt(&valid_claims()))
            .await
            .is_ok()
    );
    assert!(
        verifier.verify(&new_token).await.is_err(),
        "new key not published yet"
    );

    serve_jwks(
        &server,
        json!({ "keys": [old_key.public_jwk(), new_key.public_jwk()] }),
    )
    .await;
    let during_penalty = verifier.verify(&new_token).await.unwrap_err();
    assert!(format!("{during_penalty:?}").contains("penalty_box: true"));

    tokio::time::sleep(fast_settings().refetch_cooldown + Duration::from_millis(50)).await;
    let claims = verifier.verify(&new_token).await.unwrap();
    assert_eq!(claims.user.username.as_deref(), Some("alice"));
    assert!(
        verifier
            .verify(&old_key.sign_jwt(&valid_claims()))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_endpoint_that_is_down_gives_jwks_unavailable_after_one_retry() {
    let server = MockServer::start().await;
    respond_with(&server, ResponseTemplate::new(503)).await;
    let verifier = verifier(jwks_url(&server), fast_settings());
    let key = SigningKey::generate("good-key");
    let error = unavailable(verifier.verify(&key.sign_jwt(&valid_claims())).await);
    assert_eq!(error, JwksFetchError::Status(503));
    assert_eq!(
        jwks_requests(&server).await,
        2,
        "one attempt plus one retry"
    );
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let server = MockServer::start().await;
    respond_with(&server, ResponseTemplate::new(404)).await;
    let verifier = verifier(jwks_url(&server), fast_settings());
    let key = SigningKey::generate("good-key");
    assert_eq!(
        unavailable(verifier.verify(&key.sign_jwt(&valid_claims())).await),
        JwksFetchError::Status(404)
    );
    assert_eq!(jwks_requests(&server).await, 1);
}

#[tokio::test]
async fn a_slow_endpoint_times_out_instead_of_hanging() {
    let server = MockServer::start().await;
    let key = SigningKey::generate("good-key");
    respond_with(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(key.jwks())
            .set_delay(Duration::from_secs(10)),
    )
    .await;
    let verifier = verifier(jwks_url(&server), fast_settings());
    let started = Instant::now();
    let error = unavailable(verifier.verify(&key.sign_jwt(&valid_claims())).await);
    assert_eq!(
        error,
        JwksFetchError::Timeout(fast_settings().attempt_timeout)
    );
    assert!(
        started.elapsed() < fast_settings().attempt_timeout * 2 + Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(jwks_requests(&server).await, 2);
}

#[tokio::test]
async fn an_oversized_key_set_is_refused() {
    let server = MockServer::start().await;
    let huge = json!({ "keys": [], "padding": "x".repeat(65 * 1024) });
    respond_with(&server, ResponseTemplate::new(200).set_body_json(huge)).await;
    let verifier = verifier(jwks_url(&server), fast_settings());
    let key = SigningKey::generate("good-key");
    assert_eq!(
        unavailable(verifier.verify(&key.sign_jwt(&valid_claims())).await),
        JwksFetchError::TooLarge { limit: 65_536 }
    );
}

#[tokio::test]
async fn a_garbage_key_set_is_refused() {
    let server = MockServer::start().await;
    respond_with(
        &server,
        ResponseTemplate::new(200).set_body_string("<html>gateway error</html>"),
    )
    .await;
    let verifier = verifier(jwks_url(&server), fast_settings());
    let key = SigningKey::generate("good-key");
    let error = unavailable(verifier.verify(&key.sign_jwt(&valid_claims())).await);
    assert!(matches!(error, JwksFetchError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn a_closed_port_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    drop(listener);
    let verifier = verifier(url, fast_settings());
    let key = SigningKey::generate("good-key");
    let error = unavailable(verifier.verify(&key.sign_jwt(&valid_claims())).await);
    assert!(matches!(error, JwksFetchError::Transport(_)), "{error:?}");
}

#[tokio::test]
async fn concurrent_requests_during_an_outage_share_the_failed_fetch() {
    let server = MockServer::start().await;
    respond_with(
        &server,
        ResponseTemplate::new(500).set_delay(Duration::from_millis(100)),
    )
    .await;
    let verifier = verifier(jwks_url(&server), fast_settings());
    let key = SigningKey::generate("good-key");
    let token = key.sign_jwt(&valid_claims());
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), token.clone());
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    for task in tasks {
        unavailable(task.await.unwrap());
    }
    assert_eq!(
        jwks_requests(&server).await,
        2,
        "one fetch (attempt + retry) for all waiters"
    );
}

#[tokio::test]
async fn cached_keys_keep_working_when_the_endpoint_goes_down() {
    let key = SigningKey::generate("good-key");
    let server = MockServer::start().await;
    serve_jwks(&server, key.jwks()).await;
    let verifier = verifier(jwks_url(&server), fast_settings());
    verifier.jwks().prefetch().await.unwrap();
    respond_with(&server, ResponseTemplate::new(500)).await;
    assert!(
        verifier
            .verify(&key.sign_jwt(&valid_claims()))
            .await
            .is_ok()
    );
    assert_eq!(
        jwks_requests(&server).await,
        0,
        "no fetch needed for a cached kid"
    );
}

#[tokio::test]
async fn jwks_outage_is_503_jwks_unavailable_over_http() {
    let key = SigningKey::generate("good-key");
    let server = MockServer::start().await;
    respond_with(&server, ResponseTemplate::new(502)).await;
    let app = TestApp::spawn_with(key, server, fast_settings()).await;
    let response = app
        .get_me(Some(&format!("Bearer {}", app.token(&valid_claims()))))
        .await;
    assert!(response.headers().get("www-authenticate").is_none());
    assert_problem(response, 503, "jwks_unavailable").await;
}
