//! The user pool's signing keys: fetched from the configured JWKS URL, cached for the life of
//! the process (a warm Lambda keeps them), refetched only when a token names an unknown key.
//!
//! Rules, mirroring aws-jwt-verify's `SimpleJwksCache`:
//! - one fetch at a time (single flight); callers that waited share its outcome;
//! - a fetch that does not contain the requested `kid` opens a penalty box: no further fetch
//!   for [`JwksSettings::refetch_cooldown`] (10 s), while cached keys keep working;
//! - each attempt is bounded by [`JwksSettings::attempt_timeout`], with one retry on timeouts,
//!   connection errors and 5xx/429; the body is capped at [`JwksSettings::max_body_bytes`];
//! - there is no TTL: Cognito publishes new keys before it signs with them, so an unknown `kid`
//!   is the signal to refetch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use serde::Deserialize;

/// Tunables; [`JwksSettings::default`] holds the production values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwksSettings {
    /// Time allowed for one fetch attempt, body included. Two attempts at most.
    pub attempt_timeout: Duration,
    /// After a fetch that lacked the requested `kid`, how long unknown kids are refused
    /// without fetching.
    pub refetch_cooldown: Duration,
    /// Largest JWKS body accepted.
    pub max_body_bytes: usize,
}

impl Default for JwksSettings {
    fn default() -> Self {
        JwksSettings {
            // Two attempts fit in 3 s, well inside API Gateway's 30 s and Cognito's 5 s.
            attempt_timeout: Duration::from_millis(1_500),
            refetch_cooldown: Duration::from_secs(10),
            max_body_bytes: 64 * 1024,
        }
    }
}

/// Why a JWKS could not be obtained. Callers answer 503: the token may be fine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksFetchError {
    #[error("JWKS fetch timed out after {0:?}")]
    Timeout(Duration),
    #[error("JWKS fetch failed before a response: {0}")]
    Transport(String),
    #[error("JWKS endpoint answered HTTP {0}, expected 200")]
    Status(u16),
    #[error("JWKS body exceeds {limit} bytes")]
    TooLarge { limit: usize },
    #[error("JWKS body is not a valid key set: {0}")]
    Malformed(String),
}

impl JwksFetchError {
    fn is_retryable(&self) -> bool {
        match self {
            JwksFetchError::Timeout(_) | JwksFetchError::Transport(_) => true,
            JwksFetchError::Status(status) => *status >= 500 || *status == 429,
            JwksFetchError::TooLarge { .. } | JwksFetchError::Malformed(_) => false,
        }
    }
}

/// Why a key from the JWKS cannot verify an RS256 token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwkProblem {
    #[error("key type is `{0}`, expected `RSA`")]
    NotRsa(String),
    #[error("key use is `{0}`, expected `sig`")]
    NotForSignatures(String),
    #[error("key algorithm is `{0}`, expected `RS256`")]
    AlgorithmMismatch(String),
    #[error("RSA key has missing or invalid `n`/`e`")]
    BadComponents,
    #[error("RSA modulus has {0} bits, at least 2048 required")]
    TooWeak(usize),
}

/// A key as the cache holds it: ready to verify, or the reason it cannot.
#[derive(Clone)]
pub enum CachedJwk {
    Rs256(Arc<DecodingKey>),
    Unusable(JwkProblem),
}

/// Why no key could be found for a `kid`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyLookupError {
    #[error("kid `{kid}` is not in the JWKS (refetch refused by the penalty box: {penalty_box})")]
    KidNotFound { kid: String, penalty_box: bool },
    #[error(transparent)]
    Unavailable(#[from] JwksFetchError),
}

type KeyMap = HashMap<String, CachedJwk>;

#[derive(Default)]
struct FetchState {
    /// Bumped by every completed fetch, so waiters can tell one happened while they queued.
    generation: u64,
    last_error: Option<JwksFetchError>,
    penalty_until: Option<Instant>,
}

/// Process-wide JWKS cache. Create it once, before serving, and share it behind an `Arc`.
pub struct JwksCache {
    url: String,
    http: reqwest::Client,
    settings: JwksSettings,
    keys: RwLock<Arc<KeyMap>>,
    state: Mutex<FetchState>,
    single_flight: tokio::sync::Mutex<()>,
}

impl JwksCache {
    pub fn new(url: impl Into<String>, http: reqwest::Client, settings: JwksSettings) -> Self {
        JwksCache {
            url: url.into(),
            http,
            settings,
            keys: RwLock::new(Arc::default()),
            state: Mutex::default(),
            single_flight: tokio::sync::Mutex::new(()),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Fetches the key set now (at start-up), so the first request does not wait for it.
    pub async fn prefetch(&self) -> Result<(), JwksFetchError> {
        let _flight = self.single_flight.lock().await;
        let outcome = self.fetch().await;
        self.record(&outcome, None);
        outcome.map(|_| ())
    }

    /// The key for `kid`, from the cache or after at most one (shared) fetch.
    pub async fn key(&self, kid: &str) -> Result<CachedJwk, KeyLookupError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let generation_seen = self.lock_state().generation;
        let _flight = self.single_flight.lock().await;

        {
            let state = self.lock_state();
            if state.generation != generation_seen {
                // Another caller fetched while this one queued: share that outcome.
                if let Some(key) = self.cached(kid) {
                    return Ok(key);
                }
                return Err(match &state.last_error {
                    Some(error) => KeyLookupError::Unavailable(error.clone()),
                    None => KeyLookupError::KidNotFound {
                        kid: kid.into(),
                        penalty_box: false,
                    },
                });
            }
            if state
                .penalty_until
                .is_some_and(|until| Instant::now() < until)
            {
                return Err(KeyLookupError::KidNotFound {
                    kid: kid.into(),
                    penalty_box: true,
                });
            }
        }

        let outcome = self.fetch().await;
        self.record(&outcome, Some(kid));
        match outcome {
            Err(error) => Err(KeyLookupError::Unavailable(error)),
            Ok(keys) => keys
                .get(kid)
                .cloned()
                .ok_or_else(|| KeyLookupError::KidNotFound {
                    kid: kid.into(),
                    penalty_box: false,
                }),
        }
    }

    /// Whether the key set held now has `kid` (never fetches).
    pub fn holds(&self, kid: &str) -> bool {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        keys.contains_key(kid)
    }

    fn cached(&self, kid: &str) -> Option<CachedJwk> {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        keys.get(kid).cloned()
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, FetchState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores a fetch outcome. A failed fetch keeps the old keys (they still verify).
    fn record(&self, outcome: &Result<Arc<KeyMap>, JwksFetchError>, wanted_kid: Option<&str>) {
        let mut state = self.lock_state();
        state.generation += 1;
        match outcome {
            Ok(keys) => {
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = keys.clone();
                state.last_error = None;
                state.penalty_until = match wanted_kid {
                    Some(kid) if !keys.contains_key(kid) => {
                        Some(Instant::now() + self.settings.refetch_cooldown)
                    }
                    _ => None,
                };
            }
            Err(error) => state.last_error = Some(error.clone()),
        }
    }

    async fn fetch(&self) -> Result<Arc<KeyMap>, JwksFetchError> {
        match self.fetch_once().await {
            Err(error) if error.is_retryable() => {
                tracing::warn!(url = %self.url, %error, "JWKS fetch failed; retrying once");
                self.fetch_once().await
            }
            outcome => outcome,
        }
        .map(Arc::new)
        .inspect_err(|error| tracing::error!(url = %self.url, %error, "JWKS unavailable"))
    }

    async fn fetch_once(&self) -> Result<KeyMap, JwksFetchError> {
        let timeout = self.settings.attempt_timeout;
        let body = tokio::time::timeout(timeout, self.download())
            .await
            .map_err(|_| JwksFetchError::Timeout(timeout))??;
        parse_jwks(&body)
    }

    async fn download(&self) -> Result<Vec<u8>, JwksFetchError> {
        let limit = self.settings.max_body_bytes;
        let mut response = self
            .http
            .get(&self.url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|error| JwksFetchError::Transport(crate::http_client::error_chain(&error)))?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(JwksFetchError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(JwksFetchError::TooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| JwksFetchError::Transport(crate::http_client::error_chain(&error)))?
        {
            if body.len() + chunk.len() > limit {
                return Err(JwksFetchError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

#[derive(Deserialize)]
struct JwksDocument {
    keys: Vec<RawJwk>,
}

/// Only the members this service reads; any member present must have the right type.
#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    key_use: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// Parses a JWKS body (strict UTF-8 and JSON). A wrongly typed member rejects the whole set;
/// a well-formed key that cannot verify RS256 is kept as [`CachedJwk::Unusable`] so a token
/// naming it gets a precise error.
pub fn parse_jwks(body: &[u8]) -> Result<KeyMap, JwksFetchError> {
    let document: JwksDocument = serde_json::from_slice(body)
        .map_err(|error| JwksFetchError::Malformed(error.to_string()))?;
    Ok(document
        .keys
        .into_iter()
        .filter_map(|jwk| {
            let kid = jwk.kid.clone()?;
            Some((
                kid,
                usable_key(jwk).map_or_else(CachedJwk::Unusable, CachedJwk::Rs256),
            ))
        })
        .collect())
}

fn usable_key(jwk: RawJwk) -> Result<Arc<DecodingKey>, JwkProblem> {
    if jwk.kty != "RSA" {
        return Err(JwkProblem::NotRsa(jwk.kty));
    }
    if let Some(key_use) = jwk.key_use.filter(|u| u != "sig") {
        return Err(JwkProblem::NotForSignatures(key_use));
    }
    if let Some(alg) = jwk.alg.filter(|a| a != "RS256") {
        return Err(JwkProblem::AlgorithmMismatch(alg));
    }
    let decode = |part: Option<String>| {
        part.and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
            .filter(|bytes| !bytes.is_empty())
    };
    let (Some(n), Some(e)) = (decode(jwk.n), decode(jwk.e)) else {
        return Err(JwkProblem::BadComponents);
    };
    let significant = &n[n.iter().take_while(|b| **b == 0).count()..];
    let bits = significant.len() * 8
        - significant
            .first()
            .map_or(8, |b| b.leading_zeros() as usize);
    if bits < 2048 {
        return Err(JwkProblem::TooWeak(bits));
    }
    Ok(Arc::new(DecodingKey::from_rsa_raw_components(&n, &e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problem(jwk: serde_json::Value) -> Option<JwkProblem> {
        let body = json!({ "keys": [jwk] }).to_string();
        match parse_jwks(body.as_bytes()).unwrap().remove("k") {
            Some(CachedJwk::Unusable(problem)) => Some(problem),
            Some(CachedJwk::Rs256(_)) => None,
            None => panic!("key missing"),
        }
    }

    fn rsa_jwk() -> serde_json::Value {
        cognito_authsignal_local::keys::SigningKey::generate("k").public_jwk()
    }

    #[test]
    fn an_rsa_signing_key_is_usable() {
        assert_eq!(problem(rsa_jwk()), None);
        let mut without_use_and_alg = rsa_jwk();
        without_use_and_alg
            .as_object_mut()
            .unwrap()
            .retain(|k, _| k != "use" && k != "alg");
        assert_eq!(problem(without_use_and_alg), None);
    }

    #[test]
    fn keys_that_cannot_verify_rs256_are_kept_with_the_reason() {
        let mut ec = rsa_jwk();
        ec["kty"] = json!("EC");
        assert_eq!(problem(ec), Some(JwkProblem::NotRsa("EC".into())));
        let mut enc = rsa_jwk();
        enc["use"] = json!("enc");
        assert_eq!(
            problem(enc),
            Some(JwkProblem::NotForSignatures("enc".into()))
        );
        let mut rs512 = rsa_jwk();
        rs512["alg"] = json!("RS512");
        assert_eq!(
            problem(rs512),
            Some(JwkProblem::AlgorithmMismatch("RS512".into()))
        );
        let mut no_n = rsa_jwk();
        no_n.as_object_mut().unwrap().remove("n");
        assert_eq!(problem(no_n), Some(JwkProblem::BadComponents));
        let mut short = rsa_jwk();
        short["n"] = json!(URL_SAFE_NO_PAD.encode([0xff_u8; 128]));
        assert_eq!(problem(short), Some(JwkProblem::TooWeak(1024)));
    }

    #[test]
    fn malformed_key_sets_are_rejected_whole() {
        for body in [
            &b"not json"[..],
            b"{}",
            b"{\"keys\": {}}",
            b"{\"keys\": [{\"kty\": 1, \"kid\": \"k\"}]}",
            b"{\"keys\": [{\"kty\": \"RSA\", \"kid\": 7}]}",
            b"{\"keys\": [], \"keys\": []}",
            b"{\"keys\": [\xff]}",
        ] {
            assert!(
                matches!(parse_jwks(body), Err(JwksFetchError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn keys_without_kid_are_ignored() {
        let mut jwk = rsa_jwk();
        jwk.as_object_mut().unwrap().remove("kid");
        let keys = parse_jwks(json!({ "keys": [jwk] }).to_string().as_bytes()).unwrap();
        assert!(keys.is_empty());
    }

    #[test]
    fn production_settings_match_the_documented_limits() {
        let settings = JwksSettings::default();
        assert_eq!(settings.refetch_cooldown, Duration::from_secs(10));
        assert!(settings.attempt_timeout * 2 <= Duration::from_secs(3));
        assert_eq!(settings.max_body_bytes, 65_536);
    }
}
