//! "Recent sign-in": the access token's `auth_time` is within the configured window, or the
//! caller presents a step-up validation token for this very operation. One step-up challenge
//! authorises one operation: single use is keyed on the challenge (the idempotency key validate
//! returns), since several tokens validate for the same succeeded challenge.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::problem::ApiError;
use crate::auth::AuthenticatedUser;
use crate::authsignal::ValidateChallengeRequest;
use crate::config::ActionsConfig;
use crate::replay::ChallengeDigest;

/// The header that carries a step-up validation token.
pub const VALIDATION_TOKEN_HEADER: &str = "authsignal-validation-token";
/// Authsignal tokens live 10 minutes; remembering a challenge that long makes reuse fail.
pub const REPLAY_WINDOW: Duration = Duration::from_secs(600);

/// An operation that needs a recent sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum StepUpOperation {
    RemoveAuthenticator,
    AddAuthenticator,
}

impl StepUpOperation {
    /// The operation's name on the wire, as clients send it to `POST /v1/me/step-up`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepUpOperation::RemoveAuthenticator => "removeAuthenticator",
            StepUpOperation::AddAuthenticator => "addAuthenticator",
        }
    }

    /// The Authsignal action tracked for this step-up (configurable, distinct from every other
    /// kind of token's action).
    pub fn action(self, actions: &ActionsConfig) -> &str {
        match self {
            StepUpOperation::RemoveAuthenticator => &actions.step_up_remove,
            StepUpOperation::AddAuthenticator => &actions.step_up_add,
        }
    }
}

/// How the caller proved a recent sign-in (recorded in audit events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    RecentSignIn,
    StepUp,
}

impl Proof {
    pub fn as_str(self) -> &'static str {
        match self {
            Proof::RecentSignIn => "recent_sign_in",
            Proof::StepUp => "step_up",
        }
    }
}

/// Whether `auth_time` is within `max_age` of now.
pub fn is_recent(auth_time: Option<i64>, max_age: Duration) -> bool {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    auth_time.is_some_and(|at| now - at <= max_age.as_secs() as i64)
}

/// The `Authsignal-Validation-Token` header of a request, if any. Only the step-up check reads
/// it; nothing else in a handler sees the token.
#[derive(Debug, Clone, Default)]
pub struct StepUpToken(Option<HeaderValue>);

impl<S: Send + Sync> FromRequestParts<S> for StepUpToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(StepUpToken(
            parts.headers.get(VALIDATION_TOKEN_HEADER).cloned(),
        ))
    }
}

/// Passes when the sign-in is recent or a valid, unused step-up token for `operation` is sent.
pub async fn require_recent_sign_in(
    state: &AppState,
    user: &AuthenticatedUser,
    step_up: &StepUpToken,
    operation: StepUpOperation,
) -> Result<Proof, ApiError> {
    let refuse = |reason| ApiError::ReauthenticationRequired {
        operation: operation.as_str(),
        reason,
    };
    let token = match &step_up.0 {
        None if is_recent(user.auth_time, state.settings.recent_auth_max_age) => {
            return Ok(Proof::RecentSignIn);
        }
        None => return Err(refuse("This operation needs a recent sign-in.")),
        Some(value) => value
            .to_str()
            .ok()
            .filter(|token| !token.is_empty() && token.len() <= 8 * 1024)
            .ok_or_else(|| refuse("The step-up token is not valid for this operation."))?,
    };
    let action = operation.action(&state.settings.actions);
    let validation = state
        .authsignal
        .validate_challenge(&ValidateChallengeRequest {
            token: token.to_owned(),
            user_id: Some(user.user_id.clone()),
            action: Some(action.to_owned()),
        })
        .await?;
    // Belt and braces: Authsignal checked user and action; check what it answered too.
    let matches = validation.challenge_succeeded()
        && validation.action() == Some(action)
        && validation
            .user_id
            .as_deref()
            .is_none_or(|id| id == user.user_id);
    // Without the challenge's identity there is nothing to make single use: refuse.
    let challenge = validation
        .idempotency_key
        .as_deref()
        .filter(|key| !key.is_empty());
    let (true, Some(challenge)) = (matches, challenge) else {
        tracing::info!(operation = operation.as_str(), state = ?validation.state, "step-up token refused");
        return Err(refuse("The step-up token is not valid for this operation."));
    };
    let first_use = state
        .integrations
        .replay
        .first_use(
            &ChallengeDigest::of(&user.user_id, action, challenge),
            SystemTime::now() + REPLAY_WINDOW,
        )
        .await
        .map_err(|error| {
            // Fail closed: a token that cannot be checked is not accepted.
            tracing::error!(%error, operation = operation.as_str(), "step-up replay check failed");
            ApiError::ReplayStoreUnavailable
        })?;
    if !first_use {
        tracing::warn!(operation = operation.as_str(), user_id = %user.user_id, "step-up challenge replayed");
        return Err(refuse("This step-up was already used."));
    }
    Ok(Proof::StepUp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recency_is_measured_against_auth_time() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let window = Duration::from_secs(900);
        assert!(is_recent(Some(now - 10), window));
        assert!(is_recent(Some(now - 900), window));
        assert!(!is_recent(Some(now - 901), window));
        assert!(!is_recent(None, window));
    }
}
