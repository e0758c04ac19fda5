//! Cognito access-token verification: JWKS cache, claim checks, and the verified caller. The
//! HTTP extractor lives with the API (`api::authenticated`); this module knows nothing of HTTP.

pub mod jwks;
pub mod user;
pub mod verifier;

pub use jwks::{JwksCache, JwksSettings};
pub use user::AuthenticatedUser;
pub use verifier::{AccessTokenClaims, CognitoVerifier, TokenRejection, VerifyError};

use std::sync::Arc;

use crate::config::CognitoConfig;

/// The verifier for `config`, with the production JWKS settings and the shared HTTP client.
pub fn verifier(config: &CognitoConfig, http: reqwest::Client) -> Arc<CognitoVerifier> {
    let jwks = JwksCache::new(config.jwks_url.clone(), http, JwksSettings::default());
    Arc::new(CognitoVerifier::new(config, jwks))
}
