//! Verifying a Cognito access token with the cached JWKS, against a bare `jsonwebtoken` RS256
//! decode of the same token (signature + `exp` only). Goal: at most 1.2× the bare decode.

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use cognito_authsignal::auth::{CognitoVerifier, JwksCache, JwksSettings};
use cognito_authsignal::config::CognitoConfig;
use cognito_authsignal_local::keys::SigningKey;

const POOL_ID: &str = "eu-west-1_BenchPool";

fn claims() -> Value {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    json!({
        "sub": "7f1c2c1e-5a0b-4c55-9d7e-2b1f0d4a9e11",
        "cognito:groups": ["authenticator-admins"],
        "iss": format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL_ID}"),
        "version": 2,
        "client_id": "benchclient",
        "origin_jti": "0b7e5bd1-1111-4a3b-9d35-4f5d3c2b1a00",
        "event_id": "2f3e4d5c-2222-4b6a-8c9d-0e1f2a3b4c5d",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "jti": "a1b2c3d4-3333-4e5f-8a9b-0c1d2e3f4a5b",
        "username": "alice",
    })
}

fn bench_verify(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let key = SigningKey::generate("bench-key");
    let token = key.sign_jwt(&claims());

    let server = runtime.block_on(wiremock::MockServer::start());
    runtime.block_on(
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(key.jwks()))
            .mount(&server),
    );
    let mut config = CognitoConfig::for_pool(POOL_ID, vec!["benchclient".into()]).unwrap();
    config.jwks_url = format!("{}/jwks.json", server.uri());
    let jwks = JwksCache::new(
        config.jwks_url.clone(),
        reqwest::Client::new(),
        JwksSettings::default(),
    );
    let verifier = CognitoVerifier::new(&config, jwks);
    runtime.block_on(verifier.jwks().prefetch()).unwrap();
    runtime
        .block_on(verifier.verify(&token))
        .expect("the bench token verifies");

    let jwk = key.public_jwk();
    let bare_key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let bare_validation = Validation::new(Algorithm::RS256);
    jsonwebtoken::decode::<Value>(&token, &bare_key, &bare_validation).expect("bare decode works");

    let mut group = c.benchmark_group("access_token");
    group.bench_function("cognito_verifier_cached_jwks", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(verifier.verify(black_box(&token)).await) })
    });
    group.bench_function("bare_jsonwebtoken_rs256_decode", |b| {
        b.iter(|| {
            black_box(jsonwebtoken::decode::<Value>(
                black_box(&token),
                &bare_key,
                &bare_validation,
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
