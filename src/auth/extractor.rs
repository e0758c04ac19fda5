//! `AuthenticatedUser`: the caller, as proven by a verified Cognito access token.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::verifier::{AccessTokenClaims, CognitoVerifier, VerifyError};
use crate::api::problem::ApiError;

/// Who is calling. `user_id` is the token's `sub`: the Authsignal user id everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser {
    pub user_id: String,
    pub username: Option<String>,
    pub client_id: String,
    pub groups: Vec<String>,
    pub scopes: Vec<String>,
    pub auth_time: Option<i64>,
    pub origin_jti: Option<String>,
}

impl From<AccessTokenClaims> for AuthenticatedUser {
    fn from(claims: AccessTokenClaims) -> Self {
        AuthenticatedUser {
            user_id: claims.sub,
            username: claims.username,
            client_id: claims.client_id,
            groups: claims.groups,
            scopes: claims.scopes,
            auth_time: claims.auth_time,
            origin_jti: claims.origin_jti,
        }
    }
}

impl<S> FromRequestParts<S> for AuthenticatedUser
where
    Arc<CognitoVerifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or_else(|| {
            tracing::info!(
                reason = "missing or malformed Authorization header",
                "token rejected"
            );
            ApiError::InvalidToken
        })?;
        let verifier = Arc::<CognitoVerifier>::from_ref(state);
        match verifier.verify(token).await {
            Ok(claims) => Ok(claims.into()),
            Err(VerifyError::Rejected(rejection)) => {
                tracing::info!(reason = %rejection, "token rejected");
                Err(ApiError::InvalidToken)
            }
            Err(VerifyError::JwksUnavailable(error)) => {
                tracing::error!(%error, "cannot verify tokens: JWKS unavailable");
                Err(ApiError::JwksUnavailable)
            }
        }
    }
}

/// The token from exactly one `Authorization: Bearer <token>` header (scheme case-insensitive).
fn bearer_token(parts: &Parts) -> Option<&str> {
    let mut values = parts.headers.get_all(AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return None;
    };
    let (scheme, token) = value.to_str().ok()?.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}
