//! `/v1/me/...`: the signed-in user's own authenticators. The user id is always the token's
//! `sub`, never a path or body value.

use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Change};
use super::authenticated::UnrevokedUser;
use super::docs::{AuthProblems, BodyProblems, UpstreamProblems};
use super::ids::{ApiPath, AuthenticatorId};
use super::json::ApiJson;
use super::problem::{ApiError, Problem};
use super::request_id::RequestId;
use super::step_up::{Proof, StepUpOperation, StepUpToken, is_recent, require_recent_sign_in};
use super::views::AuthenticatorList;
use super::{AppState, me};
use crate::auth::AuthenticatedUser;
use crate::authsignal::{AuthsignalError, TrackAttributes, UserAuthenticator};
use crate::contact::{is_e164, is_email};
use crate::events::ChangeKind;

/// Authsignal client tokens are valid for 10 minutes.
const CLIENT_TOKEN_LIFETIME: Duration = Duration::from_secs(600);
/// What the pre-built UI may do without challenging first (Authsignal's authenticator binding).
const ALL_AUTHENTICATOR_SCOPES: &str =
    "add:authenticators update:authenticators remove:authenticators";

/// Routes of the account API, with their OpenAPI operations.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(me::get_me))
        .routes(routes!(list_authenticators))
        .routes(routes!(create_enrollment_token))
        .routes(routes!(create_settings_url))
        .routes(routes!(delete_authenticator))
        .routes(routes!(step_up))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnrollmentTokenRequest {
    /// Email to enroll for email OTP / magic link (passed to Authsignal).
    #[serde(default)]
    #[schema(format = "email", max_length = 254)]
    pub email: Option<String>,
    /// E.164 phone number to enroll for SMS / WhatsApp (passed to Authsignal).
    #[serde(default)]
    #[schema(pattern = r"^\+[1-9][0-9]{1,14}$")]
    pub phone_number: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentToken {
    /// Authsignal client token with the `add:authenticators` scope, for the client SDKs.
    pub token: String,
    /// ISO 8601; Authsignal client tokens last 10 minutes.
    pub expires_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsUrlRequest {
    /// Where the pre-built UI returns to; must be on the server's allow-list
    /// (`SETTINGS_REDIRECT_ALLOWLIST`), else 400 `invalid_redirect_url`.
    #[schema(format = "uri", max_length = 2048)]
    pub redirect_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsUrl {
    /// Short-lived URL of Authsignal's pre-built UI, on its settings screen.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StepUpRequest {
    pub operation: StepUpOperation,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepUpChallenge {
    /// Authsignal client token to run the challenge with a client SDK.
    pub token: String,
    /// Pre-built UI URL to run the challenge instead.
    pub url: String,
}

/// The user's authenticators.
#[utoipa::path(
    get,
    path = "/v1/me/authenticators",
    tag = "account",
    operation_id = "listMyAuthenticators",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's authenticators", body = AuthenticatorList),
        AuthProblems,
        UpstreamProblems,
    )
)]
pub async fn list_authenticators(
    State(state): State<AppState>,
    user: AuthenticatedUser,
) -> Result<Json<AuthenticatorList>, ApiError> {
    let records = state.authsignal.get_authenticators(&user.user_id).await?;
    Ok(Json(state.authenticator_list(&user.user_id, records)))
}

/// A client token to enroll a new authenticator with Authsignal's client SDKs.
///
/// Needs a sign-in within `RECENT_AUTH_MAX_AGE_SECONDS`, or an `addAuthenticator` step-up token.
#[utoipa::path(
    post,
    path = "/v1/me/authenticators/enrollment-token",
    tag = "account",
    operation_id = "createEnrollmentToken",
    security(("bearer" = [])),
    params(("Authsignal-Validation-Token" = Option<String>, Header, description = "Step-up validation token for `addAuthenticator`")),
    request_body = EnrollmentTokenRequest,
    responses(
        (status = 200, description = "Enrollment token", body = EnrollmentToken),
        (status = 403, description = "`reauthentication_required`: sign in again or step up", body = Problem, content_type = "application/problem+json"),
        AuthProblems,
        BodyProblems,
        UpstreamProblems,
    )
)]
pub async fn create_enrollment_token(
    State(state): State<AppState>,
    UnrevokedUser(user): UnrevokedUser,
    step_up: StepUpToken,
    request_id: RequestId,
    ApiJson(request): ApiJson<EnrollmentTokenRequest>,
) -> Result<Json<EnrollmentToken>, ApiError> {
    if request
        .email
        .as_deref()
        .is_some_and(|email| !is_email(email))
    {
        return Err(ApiError::InvalidRequest(
            "`email` is not a valid email address.".into(),
        ));
    }
    if request
        .phone_number
        .as_deref()
        .is_some_and(|phone| !is_e164(phone))
    {
        return Err(ApiError::InvalidRequest(
            "`phoneNumber` must be in E.164 format, e.g. +14155550100.".into(),
        ));
    }
    let proof =
        require_recent_sign_in(&state, &user, &step_up, StepUpOperation::AddAuthenticator).await?;
    let attributes = TrackAttributes {
        scope: Some("add:authenticators".into()),
        email: request.email,
        phone_number: request.phone_number,
        ..TrackAttributes::default()
    };
    let tracked = state
        .authsignal
        .track(
            &user.user_id,
            &state.settings.actions.enrollment,
            &attributes,
        )
        .await?;
    let token = tracked.token.ok_or_else(missing("token"))?;
    let change = Change {
        kind: ChangeKind::EnrollmentTokenIssued,
        actor: &user,
        subject: &user.user_id,
        authenticator: None,
        proof: Some(proof),
        reset: None,
    };
    audit::record(&state, change, &request_id).await;
    Ok(Json(EnrollmentToken {
        token,
        expires_at: humantime::format_rfc3339_seconds(SystemTime::now() + CLIENT_TOKEN_LIFETIME)
            .to_string(),
    }))
}

/// A pre-built UI URL on the authenticator settings screen.
///
/// With a recent sign-in the UI skips its own challenge (scopes add, update and remove are
/// granted); otherwise Authsignal first challenges with an existing method.
#[utoipa::path(
    post,
    path = "/v1/me/authenticators/settings-url",
    tag = "account",
    operation_id = "createSettingsUrl",
    security(("bearer" = [])),
    request_body = SettingsUrlRequest,
    responses(
        (status = 200, description = "Settings URL", body = SettingsUrl),
        (status = 400, description = "`invalid_redirect_url`: not on the allow-list; or `invalid_request`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`reauthentication_required`: the account has no authenticator; sign in again", body = Problem, content_type = "application/problem+json"),
        AuthProblems,
        BodyProblems,
        UpstreamProblems,
    )
)]
pub async fn create_settings_url(
    State(state): State<AppState>,
    UnrevokedUser(user): UnrevokedUser,
    request_id: RequestId,
    ApiJson(request): ApiJson<SettingsUrlRequest>,
) -> Result<Json<SettingsUrl>, ApiError> {
    let redirect_url = state.redirect_allowlist.check(&request.redirect_url)?;
    let recent = is_recent(user.auth_time, state.settings.recent_auth_max_age);
    let attributes = TrackAttributes {
        redirect_to_settings: Some(true),
        redirect_url: Some(redirect_url.to_string()),
        scope: recent.then(|| ALL_AUTHENTICATOR_SCOPES.to_owned()),
        ..TrackAttributes::default()
    };
    let tracked = state
        .authsignal
        .track(&user.user_id, &state.settings.actions.settings, &attributes)
        .await?;
    // The URL carries a client token, and with no authenticator on the account any client token
    // enrolls whatever its holder likes: a session from before a reset could take the account
    // (README, Security). Only a new sign-in, which enrolls the user's own contact first, helps.
    if !tracked.is_enrolled {
        tracing::warn!(user_id = %user.user_id, "settings URL refused: the user has no authenticator");
        return Err(ApiError::SignInAgain);
    }
    let url = tracked.url.ok_or_else(missing("url"))?;
    let change = Change {
        kind: ChangeKind::SettingsUrlIssued,
        actor: &user,
        subject: &user.user_id,
        authenticator: None,
        proof: recent.then_some(Proof::RecentSignIn),
        reset: None,
    };
    audit::record(&state, change, &request_id).await;
    Ok(Json(SettingsUrl { url }))
}

/// Removes one of the caller's own authenticators; never the last one.
///
/// Needs a sign-in within `RECENT_AUTH_MAX_AGE_SECONDS`, or a `removeAuthenticator` step-up
/// token in `Authsignal-Validation-Token` (accepted once).
#[utoipa::path(
    delete,
    path = "/v1/me/authenticators/{authenticatorId}",
    tag = "account",
    operation_id = "deleteMyAuthenticator",
    security(("bearer" = [])),
    params(
        ("authenticatorId" = String, Path, description = "The authenticator's id", pattern = "^[A-Za-z0-9_-]{1,128}$"),
        ("Authsignal-Validation-Token" = Option<String>, Header, description = "Step-up validation token for `removeAuthenticator`"),
    ),
    responses(
        (status = 200, description = "Removed; the caller's authenticators left", body = AuthenticatorList),
        (status = 400, description = "`invalid_request`: malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`reauthentication_required`: sign in again or step up", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: not one of the caller's authenticators", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last_authenticator`: the caller's only authenticator", body = Problem, content_type = "application/problem+json"),
        AuthProblems,
        UpstreamProblems,
    )
)]
pub async fn delete_authenticator(
    State(state): State<AppState>,
    UnrevokedUser(user): UnrevokedUser,
    ApiPath(authenticator_id): ApiPath<AuthenticatorId>,
    step_up: StepUpToken,
    request_id: RequestId,
) -> Result<Json<AuthenticatorList>, ApiError> {
    // A stale session learns nothing about the user's authenticators before it re-authenticates.
    let proof = require_recent_sign_in(
        &state,
        &user,
        &step_up,
        StepUpOperation::RemoveAuthenticator,
    )
    .await?;
    let removal = Removal {
        kind: ChangeKind::AuthenticatorRemoved,
        actor: &user,
        subject: &user.user_id,
        proof: Some(proof),
    };
    let left = remove_authenticator(&state, removal, &authenticator_id, &request_id).await?;
    Ok(Json(state.authenticator_list(&user.user_id, left)))
}

/// Starts an Authsignal challenge whose validation token stands in for a recent sign-in, once,
/// for that operation. A user with no authenticator is asked to sign in again instead (403).
#[utoipa::path(
    post,
    path = "/v1/me/step-up",
    tag = "account",
    operation_id = "startStepUp",
    security(("bearer" = [])),
    request_body = StepUpRequest,
    responses(
        (status = 200, description = "Challenge to complete", body = StepUpChallenge),
        (status = 403, description = "`reauthentication_required`: no authenticator to step up with; sign in again", body = Problem, content_type = "application/problem+json"),
        AuthProblems,
        BodyProblems,
        UpstreamProblems,
    )
)]
pub async fn step_up(
    State(state): State<AppState>,
    UnrevokedUser(user): UnrevokedUser,
    ApiJson(request): ApiJson<StepUpRequest>,
) -> Result<Json<StepUpChallenge>, ApiError> {
    let action = request.operation.action(&state.settings.actions);
    let tracked = state
        .authsignal
        .track(&user.user_id, action, &TrackAttributes::default())
        .await?;
    // With no authenticator there is nothing to step up with, and the token would let its
    // holder enroll one of their choosing and "succeed": only a new sign-in proves anything.
    if !tracked.is_enrolled {
        tracing::warn!(user_id = %user.user_id, "step-up refused: the user has no authenticator");
        return Err(ApiError::SignInAgain);
    }
    Ok(Json(StepUpChallenge {
        token: tracked.token.ok_or_else(missing("token"))?,
        url: tracked.url.ok_or_else(missing("url"))?,
    }))
}

/// Who removes whose authenticator, and how they proved a recent sign-in.
pub(super) struct Removal<'a> {
    pub kind: ChangeKind,
    pub actor: &'a AuthenticatedUser,
    pub subject: &'a str,
    pub proof: Option<Proof>,
}

/// The removal both routes make: the subject's authenticator `id` (404 if it is not theirs),
/// never the last one (409, for users and admins alike: an account with none could be given
/// one by whoever starts a sign-in with its username), then the sessions revoked when
/// configured, then one audit event. Returns the subject's authenticators left.
pub(super) async fn remove_authenticator(
    state: &AppState,
    removal: Removal<'_>,
    id: &AuthenticatorId,
    request_id: &RequestId,
) -> Result<Vec<UserAuthenticator>, ApiError> {
    let mut records = state.authsignal.get_authenticators(removal.subject).await?;
    let Some(target) = records
        .iter()
        .find(|a| a.user_authenticator_id == id.as_str())
    else {
        return Err(ApiError::NotFound("authenticator"));
    };
    if records.len() == 1 {
        return Err(ApiError::LastAuthenticator);
    }
    let method = target.verification_method.to_string();
    match state
        .authsignal
        .delete_authenticator(removal.subject, id.as_str())
        .await
    {
        // Vanished since the lookup.
        Err(AuthsignalError::NotFound(_)) => return Err(ApiError::NotFound("authenticator")),
        outcome => outcome?,
    }
    if let Some(revoker) = &state.integrations.revoker {
        // The authenticator is gone already: a failure here is logged, not returned.
        let user_id = removal.subject;
        match revoker.revoke_all(user_id).await {
            Ok(()) => tracing::info!(user_id, "sessions revoked after removal"),
            Err(error) => tracing::error!(%error, user_id, "SESSIONS NOT REVOKED after removal"),
        }
    }
    let change = Change {
        kind: removal.kind,
        actor: removal.actor,
        subject: removal.subject,
        authenticator: Some((id.as_str(), &method)),
        proof: removal.proof,
        reset: None,
    };
    audit::record(state, change, request_id).await;
    records.retain(|a| a.user_authenticator_id != id.as_str());
    Ok(records)
}

/// Authsignal answered 200 without a field it always sends.
fn missing(field: &'static str) -> impl FnOnce() -> ApiError {
    move || {
        tracing::error!(field, "Authsignal track response lacks a field");
        ApiError::UpstreamUnavailable { retry_after: None }
    }
}
