//! The axum extractors for the caller: [`AuthenticatedUser`], a bearer token verified, or a
//! problem; and [`UnrevokedUser`], the same with a token issued after the user's last sign-out
//! everywhere, for every route but the two that only read the caller's own account.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use super::problem::ApiError;
use crate::auth::{AuthenticatedUser, CognitoVerifier, VerifyError};
use crate::revocation::issued_before_sign_out;

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

/// The caller, with an access token issued after their last sign-out everywhere. Cognito's
/// global sign-out revokes refresh tokens, but an access token issued before it still verifies
/// until it expires, and a reset is meant to end the session of whoever took the account: such a
/// token gets 401 here. The read-only `GET /v1/me` routes take [`AuthenticatedUser`] and skip this
/// look-up, which costs a store read per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnrevokedUser(pub AuthenticatedUser);

impl FromRequestParts<AppState> for UnrevokedUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = AuthenticatedUser::from_request_parts(parts, state).await?;
        let signed_out_at = state
            .integrations
            .sign_outs
            .last(&user.user_id)
            .await
            .map_err(|error| {
                // Fail closed: a token that cannot be checked does not act.
                tracing::error!(%error, user_id = %user.user_id, "sign-out check failed");
                ApiError::SignOutStoreUnavailable
            })?;
        if let Some(signed_out_at) = signed_out_at
            && issued_before_sign_out(user.issued_at, signed_out_at, state.verifier.leeway())
        {
            tracing::info!(
                reason = "issued before the user was signed out everywhere",
                user_id = %user.user_id,
                issued_at = ?user.issued_at,
                signed_out_at,
                "token rejected"
            );
            return Err(ApiError::SignedOut);
        }
        Ok(UnrevokedUser(user))
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
