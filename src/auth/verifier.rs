//! Cognito access-token verification, check for check with aws-jwt-verify's
//! `CognitoJwtVerifier` (token use `access`), plus size limits and an `iat` check.
//!
//! Order: shape and size → header → `alg` pinned to RS256 → `kid` → key from the JWKS →
//! signature → only then the claims (types, `exp`, `nbf`, `iat`, `iss`, `token_use`,
//! `client_id`, `sub` present and neither `.` nor `..`). Each failed check is its own
//! [`TokenRejection`] variant carrying what was expected and found, for the logs; callers only
//! ever learn "invalid token".
//!
//! A token that passed every check is remembered by the SHA-256 of the whole token, so that
//! its next request skips the RSA verification (the largest item in a request's CPU). A hit runs
//! the time checks again (`exp`, `nbf`, `iat`, `auth_time`, same leeway, same errors), so a
//! cached token is refused from the second it expires; every other check depends only on the
//! token's bytes and the configuration, which a hit shares with the verification it stands
//! for, as long as the key that verified the token is still in the JWKS. The cache is bounded
//! (`VERIFIED_TOKEN_CACHE_SIZE`) and keeps only tokens that verified.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use super::jwks::{CachedJwk, JwkProblem, JwksCache, JwksFetchError, KeyLookupError};
use super::user::AuthenticatedUser;
use crate::config::CognitoConfig;
use crate::digest::sha256_of_parts;

/// Longest token accepted (Cognito access tokens are 1–2 KiB, more with many groups).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A verified Cognito access token, reduced to what the service uses: who the caller is, and
/// the token's own id and expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenClaims {
    pub user: AuthenticatedUser,
    pub jti: Option<String>,
    pub exp: i64,
}

/// Verification failed. `Rejected` means the token is bad (401); `JwksUnavailable` means the
/// keys could not be fetched, so nothing can be said about the token (503).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VerifyError {
    #[error("token rejected: {0}")]
    Rejected(#[from] TokenRejection),
    #[error(transparent)]
    JwksUnavailable(#[from] JwksFetchError),
}

/// One variant per failed check.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TokenRejection {
    #[error("token is {size} bytes, limit {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("token is not a compact JWS: {0}")]
    Malformed(&'static str),
    #[error("header is not valid: {0}")]
    BadHeader(String),
    #[error("algorithm `{found}` is not allowed, expected RS256")]
    AlgorithmNotAllowed { found: String },
    #[error("header has no `kid`")]
    MissingKid,
    #[error("kid `{kid}` not found in the JWKS (penalty box: {penalty_box})")]
    KidNotFound { kid: String, penalty_box: bool },
    #[error("key `{kid}` cannot verify RS256: {problem}")]
    UnusableKey { kid: String, problem: JwkProblem },
    #[error("signature does not verify")]
    InvalidSignature,
    #[error("claims are not valid: {0}")]
    BadClaims(String),
    #[error("`exp` is missing")]
    MissingExpiry,
    #[error("expired at {exp}, now {now}, leeway {leeway_seconds} s")]
    Expired {
        exp: f64,
        now: f64,
        leeway_seconds: u64,
    },
    #[error("not valid before {nbf}, now {now}")]
    NotYetValid { nbf: f64, now: f64 },
    #[error("issued in the future: iat {iat}, now {now}")]
    IssuedInFuture { iat: f64, now: f64 },
    #[error("authenticated in the future: auth_time {auth_time}, now {now}")]
    AuthenticatedInFuture { auth_time: f64, now: f64 },
    #[error("issuer {found:?} is not one of {expected:?}")]
    IssuerNotAllowed {
        expected: Vec<String>,
        found: Option<String>,
    },
    #[error("token_use is {found:?}, expected \"access\"")]
    NotAnAccessToken { found: Option<String> },
    #[error("client_id {found:?} is not one of {expected:?}")]
    ClientNotAllowed {
        expected: Vec<String>,
        found: Option<String>,
    },
    #[error("`sub` is missing or empty")]
    MissingSubject,
    /// A Cognito `sub` is a UUID; `.` and `..` would name no user in a URL path (the
    /// Authsignal client refuses them), so they are refused here rather than failing later.
    #[error("`sub` {found:?} is a dot segment, not a user id")]
    DotSegmentSubject { found: String },
}

/// Header members read before the key is chosen. Present members must be strings.
#[derive(Deserialize)]
struct Header {
    alg: Option<String>,
    kid: Option<String>,
}

/// Claims as they arrive. Wrong types and duplicated members fail deserialisation.
#[derive(Deserialize)]
struct RawClaims {
    iss: Option<String>,
    sub: Option<String>,
    token_use: Option<String>,
    client_id: Option<String>,
    exp: Option<f64>,
    nbf: Option<f64>,
    iat: Option<f64>,
    auth_time: Option<f64>,
    username: Option<String>,
    scope: Option<String>,
    #[serde(rename = "cognito:groups")]
    groups: Option<Vec<String>>,
    jti: Option<String>,
    origin_jti: Option<String>,
}

/// Verifies Cognito access tokens for one user pool. Build once per process.
pub struct CognitoVerifier {
    issuers: Vec<String>,
    client_ids: Vec<String>,
    leeway: Duration,
    jwks: JwksCache,
    verified: Option<quick_cache::sync::Cache<TokenDigest, VerifiedToken>>,
}

/// SHA-256 of the whole compact token.
type TokenDigest = [u8; 32];

/// What a cache hit needs: the claims, the token's times as it states them, and the key
/// that verified it.
#[derive(Clone)]
struct VerifiedToken {
    claims: AccessTokenClaims,
    times: TokenTimes,
    kid: String,
}

/// The claims that are checked against the clock.
#[derive(Clone, Copy)]
struct TokenTimes {
    exp: f64,
    nbf: Option<f64>,
    iat: Option<f64>,
    auth_time: Option<f64>,
}

impl CognitoVerifier {
    pub fn new(config: &CognitoConfig, jwks: JwksCache) -> Self {
        CognitoVerifier {
            issuers: config.issuers.clone(),
            client_ids: config.client_ids.clone(),
            leeway: config.leeway,
            jwks,
            verified: (config.verified_token_cache_size > 0)
                .then(|| quick_cache::sync::Cache::new(config.verified_token_cache_size)),
        }
    }

    /// How many verified tokens are remembered now.
    pub fn cached_tokens(&self) -> usize {
        self.verified.as_ref().map_or(0, |cache| cache.len())
    }

    /// The clock leeway of the time checks (`JWT_LEEWAY_SECONDS`).
    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    pub fn jwks(&self) -> &JwksCache {
        &self.jwks
    }

    /// Checks `token` completely; see the module docs for the order of checks.
    pub async fn verify(&self, token: &str) -> Result<AccessTokenClaims, VerifyError> {
        self.verify_at(token, unix_now()).await
    }

    /// [`verify`](Self::verify) as of `now` (seconds since the epoch), so that tests can stand
    /// at a token's expiry second.
    pub async fn verify_at(&self, token: &str, now: f64) -> Result<AccessTokenClaims, VerifyError> {
        let parts = split_compact(token)?;
        let digest = self.verified.as_ref().map(|_| token_digest(token));
        // A hit counts only while the key that verified the token is still in the key set: a
        // key that left the JWKS takes its tokens with it.
        if let (Some(cache), Some(digest)) = (&self.verified, &digest)
            && let Some(hit) = cache.get(digest)
            && self.jwks.holds(&hit.kid)
        {
            if let Err(rejection) = self.check_times(hit.times, now) {
                cache.remove(digest);
                return Err(rejection.into());
            }
            return Ok(hit.claims);
        }
        let header: Header = decode_part(parts.header)
            .map_err(|reason| TokenRejection::BadHeader(reason.to_string()))?;
        match header.alg.as_deref() {
            Some("RS256") => {}
            other => {
                let found = other.unwrap_or("(missing)").to_owned();
                return Err(TokenRejection::AlgorithmNotAllowed { found }.into());
            }
        }
        let kid = header.kid.ok_or(TokenRejection::MissingKid)?;
        let key = match self.jwks.key(&kid).await {
            Ok(CachedJwk::Rs256(key)) => key,
            Ok(CachedJwk::Unusable(problem)) => {
                return Err(TokenRejection::UnusableKey { kid, problem }.into());
            }
            Err(KeyLookupError::KidNotFound { kid, penalty_box }) => {
                return Err(TokenRejection::KidNotFound { kid, penalty_box }.into());
            }
            Err(KeyLookupError::Unavailable(error)) => return Err(error.into()),
        };
        let signed = &token[..parts.header.len() + 1 + parts.payload.len()];
        let valid = jsonwebtoken::crypto::verify(
            parts.signature,
            signed.as_bytes(),
            &key,
            Algorithm::RS256,
        )
        .unwrap_or(false);
        if !valid {
            return Err(TokenRejection::InvalidSignature.into());
        }
        let claims: RawClaims = decode_part(parts.payload)
            .map_err(|reason| TokenRejection::BadClaims(reason.to_string()))?;
        let (claims, times) = self.check_claims(claims, now)?;
        if let (Some(cache), Some(digest)) = (&self.verified, digest) {
            let claims = claims.clone();
            cache.insert(digest, VerifiedToken { claims, times, kid });
        }
        Ok(claims)
    }

    /// `exp` (refused from the second `exp + leeway` is reached), then `nbf`, `iat` and
    /// `auth_time` not in the future beyond the leeway.
    fn check_times(&self, times: TokenTimes, now: f64) -> Result<(), TokenRejection> {
        let leeway = self.leeway.as_secs_f64();
        if now >= times.exp + leeway {
            return Err(TokenRejection::Expired {
                exp: times.exp,
                now,
                leeway_seconds: self.leeway.as_secs(),
            });
        }
        if let Some(nbf) = times.nbf.filter(|nbf| now < nbf - leeway) {
            return Err(TokenRejection::NotYetValid { nbf, now });
        }
        if let Some(iat) = times.iat.filter(|iat| *iat > now + leeway) {
            return Err(TokenRejection::IssuedInFuture { iat, now });
        }
        // A future auth_time would make every "recent sign-in" check pass for as long as it lasts.
        if let Some(auth_time) = times.auth_time.filter(|at| *at > now + leeway) {
            return Err(TokenRejection::AuthenticatedInFuture { auth_time, now });
        }
        Ok(())
    }

    fn check_claims(
        &self,
        claims: RawClaims,
        now: f64,
    ) -> Result<(AccessTokenClaims, TokenTimes), TokenRejection> {
        let times = TokenTimes {
            exp: claims.exp.ok_or(TokenRejection::MissingExpiry)?,
            nbf: claims.nbf,
            iat: claims.iat,
            auth_time: claims.auth_time,
        };
        self.check_times(times, now)?;
        if !claims
            .iss
            .as_ref()
            .is_some_and(|iss| self.issuers.contains(iss))
        {
            let expected = self.issuers.clone();
            return Err(TokenRejection::IssuerNotAllowed {
                expected,
                found: claims.iss,
            });
        }
        if claims.token_use.as_deref() != Some("access") {
            return Err(TokenRejection::NotAnAccessToken {
                found: claims.token_use,
            });
        }
        let client_id = match claims.client_id {
            Some(id) if self.client_ids.contains(&id) => id,
            found => {
                let expected = self.client_ids.clone();
                return Err(TokenRejection::ClientNotAllowed { expected, found });
            }
        };
        let sub = claims
            .sub
            .filter(|sub| !sub.is_empty())
            .ok_or(TokenRejection::MissingSubject)?;
        if sub == "." || sub == ".." {
            return Err(TokenRejection::DotSegmentSubject { found: sub });
        }
        let verified = AccessTokenClaims {
            user: AuthenticatedUser {
                user_id: sub,
                username: claims.username,
                client_id,
                groups: claims.groups.unwrap_or_default(),
                scopes: claims
                    .scope
                    .unwrap_or_default()
                    .split_ascii_whitespace()
                    .map(str::to_owned)
                    .collect(),
                auth_time: claims.auth_time.map(|t| t.floor() as i64),
                issued_at: claims.iat.map(|t| t.floor() as i64),
                origin_jti: claims.origin_jti,
            },
            jti: claims.jti,
            exp: times.exp.floor() as i64,
        };
        Ok((verified, times))
    }
}

struct CompactParts<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
}

/// Exactly three non-empty base64url parts, no padding, within the size limit.
fn split_compact(token: &str) -> Result<CompactParts<'_>, TokenRejection> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenRejection::TooLarge {
            size: token.len(),
            limit: MAX_TOKEN_BYTES,
        });
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenRejection::Malformed(
            "expected three dot-separated parts",
        ));
    };
    let is_base64url = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if ![header, payload, signature].into_iter().all(is_base64url) {
        return Err(TokenRejection::Malformed(
            "parts must be non-empty unpadded base64url",
        ));
    }
    Ok(CompactParts {
        header,
        payload,
        signature,
    })
}

/// base64url → strict UTF-8 JSON object → `T`. Duplicated or wrongly typed members that `T`
/// reads are errors (serde's derived maps reject duplicates).
fn decode_part<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, Box<dyn std::error::Error>> {
    let bytes = URL_SAFE_NO_PAD.decode(part)?;
    // A derived struct would also accept a JSON array positionally; only objects are JWT parts.
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err("not a JSON object".into());
    }
    Ok(serde_json::from_slice(&bytes)?)
}

fn token_digest(token: &str) -> TokenDigest {
    sha256_of_parts(&[token.as_bytes()])
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
