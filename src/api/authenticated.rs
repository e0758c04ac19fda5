//! The axum extractor for [`AuthenticatedUser`]: a bearer token, verified, or a problem.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::problem::ApiError;
use crate::auth::{AuthenticatedUser, CognitoVerifier, VerifyError};

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
