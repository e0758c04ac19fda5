//! The cache of verified tokens: keyed by the whole token, never past `exp` (every time check
//! runs again on a hit), never past its key's time in the JWKS, bounded, and holding only
//! tokens that passed every check.

use cognito_authsignal::auth::{CognitoVerifier, JwksCache, JwksSettings};
use cognito_authsignal_local::keys::SigningKey;
use serde_json::json;
use wiremock::MockServer;

use crate::helpers::*;

/// A verifier with `leeway_seconds` and room for `cache_size` tokens, and the key it trusts.
async fn verifier_with(
    leeway_seconds: u64,
    cache_size: usize,
) -> (CognitoVerifier, SigningKey, MockServer) {
    let key = SigningKey::generate("good-key");
    let server = MockServer::start().await;
    serve_jwks(&server, key.jwks()).await;
    let mut config = cognito_config(format!("{}{JWKS_PATH}", server.uri()));
    config.leeway = std::time::Duration::from_secs(leeway_seconds);
    config.verified_token_cache_size = cache_size;
    let jwks = JwksCache::new(
        config.jwks_url.clone(),
        reqwest::Client::new(),
        JwksSettings::default(),
    );
    (CognitoVerifier::new(&config, jwks), key, server)
}

fn expired(outcome: &Result<impl std::fmt::Debug, impl std::fmt::Debug>) -> bool {
    format!("{outcome:?}").starts_with("Err(Rejected(Expired")
}

#[tokio::test]
async fn a_cached_token_is_refused_from_the_second_it_expires() {
    for leeway in [0, 30] {
        let (verifier, key, _server) = verifier_with(leeway, 16).await;
        let now = now() as f64;
        let mut claims = valid_claims();
        claims["exp"] = json!(now + 100.0);
        let token = key.sign_jwt(&claims);
        let last_valid_instant = now + 100.0 + leeway as f64 - 0.001;

        verifier.verify_at(&token, now).await.unwrap();
        assert_eq!(verifier.cached_tokens(), 1, "leeway {leeway}");
        // Answered from the cache up to the last instant before exp + leeway…
        let hit = verifier.verify_at(&token, last_valid_instant).await;
        assert!(hit.is_ok(), "leeway {leeway}: {hit:?}");
        // …and refused, as an uncached token would be, from that second on.
        let at_expiry = verifier
            .verify_at(&token, now + 100.0 + leeway as f64)
            .await;
        assert!(expired(&at_expiry), "leeway {leeway}: {at_expiry:?}");
        assert_eq!(verifier.cached_tokens(), 0, "an expired entry is dropped");
        // Going back in time after the refusal goes through full verification again.
        assert!(verifier.verify_at(&token, now).await.is_ok());
    }
}

#[tokio::test]
async fn a_hit_runs_every_time_check_again_when_the_clock_steps_back() {
    for (claim, refusal) in [
        ("nbf", "Err(Rejected(NotYetValid"),
        ("iat", "Err(Rejected(IssuedInFuture"),
        ("auth_time", "Err(Rejected(AuthenticatedInFuture"),
    ] {
        let (verifier, key, _server) = verifier_with(0, 16).await;
        let now = now() as f64;
        let mut claims = valid_claims();
        claims[claim] = json!(now);
        let token = key.sign_jwt(&claims);
        verifier.verify_at(&token, now + 10.0).await.unwrap();
        assert_eq!(verifier.cached_tokens(), 1, "{claim}");
        let stepped_back = verifier.verify_at(&token, now - 10.0).await;
        assert!(
            format!("{stepped_back:?}").starts_with(refusal),
            "{claim}: {stepped_back:?}"
        );
    }
}

#[tokio::test]
async fn a_key_that_leaves_the_jwks_takes_its_cached_tokens_with_it() {
    let (verifier, key, server) = verifier_with(0, 16).await;
    let token = key.sign_jwt(&valid_claims());
    verifier.verify(&token).await.unwrap();
    assert_eq!(verifier.cached_tokens(), 1);
    // Rotation: the JWKS now holds only a new key, and a token under it makes the verifier
    // fetch the new key set.
    let new_key = SigningKey::generate("new-key");
    serve_jwks(&server, new_key.jwks()).await;
    verifier
        .verify(&new_key.sign_jwt(&valid_claims()))
        .await
        .unwrap();
    let outcome = verifier.verify(&token).await;
    assert!(
        format!("{outcome:?}").starts_with("Err(Rejected(KidNotFound"),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_neighbour_of_a_cached_token_is_verified_on_its_own() {
    let (verifier, key, _server) = verifier_with(0, 16).await;
    let token = key.sign_jwt(&valid_claims());
    verifier.verify(&token).await.unwrap();
    assert_eq!(verifier.cached_tokens(), 1);

    // The last character of the signature changed.
    let mut flipped = token.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    // The payload of another token under the cached token's signature.
    let mut other_claims = valid_claims();
    other_claims["sub"] = json!("mallory");
    let other = key.sign_jwt(&other_claims);
    let (header, _, signature) = split3(&token);
    let (_, other_payload, _) = split3(&other);
    let spliced = format!("{header}.{other_payload}.{signature}");
    // The cached token with one character more or less.
    let longer = format!("{token}A");
    let shorter = token[..token.len() - 1].to_owned();

    for (name, neighbour) in [
        ("flipped signature", &flipped),
        ("spliced payload", &spliced),
        ("longer", &longer),
        ("shorter", &shorter),
    ] {
        let outcome = verifier.verify(neighbour).await;
        assert!(
            format!("{outcome:?}").starts_with("Err(Rejected(InvalidSignature"),
            "{name}: {outcome:?}"
        );
    }
    assert_eq!(verifier.cached_tokens(), 1, "refused tokens are not cached");
    assert_eq!(
        verifier.verify(&token).await.unwrap().user.user_id,
        valid_sub()
    );
}

#[tokio::test]
async fn tokens_refused_for_their_claims_are_not_cached() {
    let (verifier, key, _server) = verifier_with(0, 16).await;
    let mut expired_claims = valid_claims();
    expired_claims["exp"] = json!(now() - 1);
    let mut id_token = valid_claims();
    id_token["token_use"] = json!("id");
    let mut other_client = valid_claims();
    other_client["client_id"] = json!("someone-else");
    for claims in [expired_claims, id_token, other_client] {
        let token = key.sign_jwt(&claims);
        for _ in 0..2 {
            assert!(verifier.verify(&token).await.is_err(), "{claims}");
        }
    }
    assert_eq!(verifier.cached_tokens(), 0);
}

#[tokio::test]
async fn the_cache_holds_at_most_its_size() {
    let (verifier, key, _server) = verifier_with(0, 4).await;
    for n in 0..40 {
        let mut claims = valid_claims();
        claims["jti"] = json!(format!("token-{n}"));
        verifier.verify(&key.sign_jwt(&claims)).await.unwrap();
        assert!(
            verifier.cached_tokens() <= 4,
            "{}",
            verifier.cached_tokens()
        );
    }
    assert!(verifier.cached_tokens() > 0);
}

#[tokio::test]
async fn size_zero_turns_the_cache_off() {
    let (verifier, key, _server) = verifier_with(0, 0).await;
    let token = key.sign_jwt(&valid_claims());
    for _ in 0..3 {
        verifier.verify(&token).await.unwrap();
    }
    assert_eq!(verifier.cached_tokens(), 0);
}

fn split3(token: &str) -> (&str, &str, &str) {
    let mut parts = token.split('.');
    (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    )
}

fn valid_sub() -> String {
    valid_claims()["sub"].as_str().unwrap().to_owned()
}
