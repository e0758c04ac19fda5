//! `/v1/admin/...`: help-desk operations on any user, for members of `ADMIN_GROUP`.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::account::{Removal, remove_authenticator};
use super::audit::{self, Change, ResetRecord};
use super::authenticated::UnrevokedUser;
use super::docs::{AuthProblems, BodyProblems, UpstreamProblems};
use super::ids::{ApiPath, AuthenticatorId, UserId};
use super::json::ApiJson;
use super::problem::{ApiError, Problem};
use super::request_id::RequestId;
use super::views::{AuthenticatorList, UserSearchResult, UserSummary};
use crate::auth::AuthenticatedUser;
use crate::authsignal::{
    AuthsignalApi, AuthsignalError, EnrollVerifiedAuthenticatorRequest, UserAuthenticator,
};
use crate::contact::{ContactAttribute, mask_email, mask_phone};
use crate::directory::{DirectoryError, DirectoryUser, SearchAttribute, UserQuery};
use crate::events::{ChangeKind, KeptAuthenticator, Reason, RemovedAuthenticator};

/// Routes of the admin API, with their OpenAPI operations.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(find_users))
        .routes(routes!(list_user_authenticators))
        .routes(routes!(delete_user_authenticator))
        .routes(routes!(reset_user))
}

fn require_admin(state: &AppState, user: &AuthenticatedUser) -> Result<(), ApiError> {
    if user
        .groups
        .iter()
        .any(|group| *group == state.settings.admin_group)
    {
        Ok(())
    } else {
        tracing::info!(user_id = %user.user_id, "admin route refused: not in the admin group");
        Err(ApiError::InsufficientScope)
    }
}

/// How a search value matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Matching {
    #[default]
    Exact,
    Prefix,
}

/// `GET /v1/admin/users`: exactly one of `email` and `username`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserSearch {
    /// The email address (or, with `match=prefix`, its beginning).
    #[param(min_length = 1, max_length = 256)]
    email: Option<String>,
    /// The username (or its beginning); case-insensitive.
    #[param(min_length = 1, max_length = 256)]
    username: Option<String>,
    /// `exact` (default) or `prefix`.
    #[serde(rename = "match")]
    #[param(rename = "match", inline)]
    matching: Option<Matching>,
    /// Users per page, 1-60 (default 20).
    #[param(minimum = 1, maximum = 60)]
    limit: Option<u8>,
    /// From the previous page's answer.
    #[param(min_length = 1, max_length = 4096)]
    pagination_token: Option<String>,
}

/// Users per page unless the caller asks.
const DEFAULT_PAGE_SIZE: u8 = 20;

impl UserSearch {
    fn query(self) -> Result<UserQuery, ApiError> {
        let (attribute, value) = match (self.email, self.username) {
            (Some(email), None) => (SearchAttribute::Email, email),
            (None, Some(username)) => (SearchAttribute::Username, username),
            _ => {
                return Err(ApiError::InvalidRequest(
                    "Search by exactly one of `email` and `username`.".into(),
                ));
            }
        };
        UserQuery::new(
            attribute,
            &value,
            self.matching.unwrap_or_default() == Matching::Prefix,
            self.limit.unwrap_or(DEFAULT_PAGE_SIZE),
            self.pagination_token,
        )
        .map_err(|error| ApiError::InvalidRequest(format!("{error}.")))
    }
}

/// Finds users in the user pool by email or username (Cognito `ListUsers`), a page at a time,
/// with how many authenticators each has.
#[utoipa::path(
    get,
    path = "/v1/admin/users",
    tag = "admin",
    operation_id = "findUsers",
    security(("bearer" = [])),
    params(UserSearch),
    responses(
        (status = 200, description = "The users found (contacts masked)", body = UserSearchResult),
        (status = 400, description = "`invalid_request`: not exactly one of email and username, a value with quotes, backslashes or control characters, a limit outside 1-60, or a refused pagination token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`: not in the admin group", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "`not_configured`: user search is off (`ADMIN_USER_SEARCH`)", body = Problem, content_type = "application/problem+json"),
        AuthProblems,
        UpstreamProblems,
    )
)]
pub async fn find_users(
    State(state): State<AppState>,
    UnrevokedUser(admin): UnrevokedUser,
    search: Result<Query<UserSearch>, QueryRejection>,
) -> Result<Json<UserSearchResult>, ApiError> {
    require_admin(&state, &admin)?;
    let Query(search) = search.map_err(|rejection| {
        ApiError::InvalidRequest(format!("Bad search parameters: {}.", rejection.body_text()))
    })?;
    let query = search.query()?;
    let Some(directory) = &state.integrations.directory else {
        return Err(ApiError::NotConfigured("User search"));
    };
    let page = directory
        .find_users(&query)
        .await
        .map_err(|error| match error {
            DirectoryError::Refused(reason) => {
                tracing::info!(%reason, "user search refused by the pool");
                ApiError::InvalidRequest(
                    "The user pool refused the search (a stale pagination token?); start again."
                        .into(),
                )
            }
            error @ (DirectoryError::Unavailable(_) | DirectoryError::UnknownUser) => {
                tracing::error!(%error, "user search failed");
                ApiError::UpstreamUnavailable { retry_after: None }
            }
        })?;
    let counts = authenticator_counts(&state.authsignal, &page.users).await;
    let users = page
        .users
        .into_iter()
        .zip(counts)
        .map(|(user, authenticator_count)| UserSummary {
            email: user.email.as_deref().map(mask_email),
            phone_number: user.phone_number.as_deref().map(mask_phone),
            user_id: user.sub,
            username: user.username,
            status: user.status,
            enabled: user.enabled,
            created_at: user.created_at,
            authenticator_count,
        })
        .collect();
    Ok(Json(UserSearchResult {
        users,
        pagination_token: page.pagination_token,
    }))
}

/// Authsignal calls a search makes at once (a page holds up to 60 users).
const COUNTS_AT_ONCE: usize = 8;

/// Each user's number of authenticators, asked of Authsignal a few at a time; `None` where
/// Authsignal did not answer.
async fn authenticator_counts(
    authsignal: &Arc<dyn AuthsignalApi>,
    users: &[DirectoryUser],
) -> Vec<Option<u32>> {
    let permits = Arc::new(tokio::sync::Semaphore::new(COUNTS_AT_ONCE));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, user) in users.iter().enumerate() {
        let authsignal = authsignal.clone();
        let permits = permits.clone();
        let sub = user.sub.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.ok();
            let count = match authsignal.get_authenticators(&sub).await {
                Ok(list) => u32::try_from(list.len()).ok(),
                Err(error) => {
                    tracing::warn!(%error, user_id = %sub, "authenticators not counted");
                    None
                }
            };
            (index, count)
        });
    }
    let mut counts = vec![None; users.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, count)) = joined {
            counts[index] = count;
        }
    }
    counts
}

/// Any user's authenticators.
#[utoipa::path(
    get,
    path = "/v1/admin/users/{userId}/authenticators",
    tag = "admin",
    operation_id = "listUserAuthenticators",
    security(("bearer" = [])),
    params(("userId" = String, Path, description = "The user's Cognito `sub`", pattern = "^[A-Za-z0-9._@+-]{1,128}$")),
    responses(
        (status = 200, description = "The user's authenticators", body = AuthenticatorList),
        (status = 400, description = "`invalid_request`: malformed user id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`: not in the admin group", body = Problem, content_type = "application/problem+json"),
        AuthProblems,
        UpstreamProblems,
    )
)]
pub async fn list_user_authenticators(
    State(state): State<AppState>,
    UnrevokedUser(admin): UnrevokedUser,
    path: Result<ApiPath<UserId>, ApiError>,
) -> Result<Json<AuthenticatorList>, ApiError> {
    // Who may ask is checked before what they asked for.
    require_admin(&state, &admin)?;
    let ApiPath(user_id) = path?;
    let records = state
        .authsignal
        .get_authenticators(user_id.as_str())
        .await?;
    Ok(Json(state.authenticator_list(user_id.as_str(), records)))
}

/// Removes any user's authenticator but the last one. Always audit-logged.
///
/// The last one stays: an account with no authenticator can be given one by whoever starts a
/// sign-in with its username (the sign-in challenge token lets its holder enroll, and Authsignal
/// allows that while the account has none). Sign-in then accepts only a proof of the user's own
/// Cognito email or phone, but an account that never reaches zero keeps that window shut.
/// (A reset removes the rest too, but keeps or first enrolls the user's own verified contact:
/// see [`reset_user`].)
#[utoipa::path(
    delete,
    path = "/v1/admin/users/{userId}/authenticators/{authenticatorId}",
    tag = "admin",
    operation_id = "deleteUserAuthenticator",
    security(("bearer" = [])),
    params(
        ("userId" = String, Path, description = "The user's Cognito `sub`", pattern = "^[A-Za-z0-9._@+-]{1,128}$"),
        ("authenticatorId" = String, Path, description = "The authenticator's id", pattern = "^[A-Za-z0-9_-]{1,128}$"),
    ),
    responses(
        (status = 200, description = "Removed; the user's authenticators left", body = AuthenticatorList),
        (status = 400, description = "`invalid_request`: malformed user or authenticator id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`: not in the admin group", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: not one of this user's authenticators", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last_authenticator`: the user's only authenticator", body = Problem, content_type = "application/problem+json"),
        AuthProblems,
        UpstreamProblems,
    )
)]
pub async fn delete_user_authenticator(
    State(state): State<AppState>,
    UnrevokedUser(admin): UnrevokedUser,
    path: Result<ApiPath<(UserId, AuthenticatorId)>, ApiError>,
    request_id: RequestId,
) -> Result<Json<AuthenticatorList>, ApiError> {
    require_admin(&state, &admin)?;
    let ApiPath((user_id, authenticator_id)) = path?;
    let removal = Removal {
        kind: ChangeKind::AuthenticatorRemovedByAdmin,
        actor: &admin,
        subject: user_id.as_str(),
        proof: None,
    };
    let left = remove_authenticator(&state, removal, &authenticator_id, &request_id).await?;
    Ok(Json(state.authenticator_list(user_id.as_str(), left)))
}

/// Longest reset reason accepted (the redaction's own bound).
const MAX_REASON_CHARS: usize = crate::redact::MAX_CHARS;

/// Body of `POST /v1/admin/users/{userId}/reset`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResetRequest {
    /// A short code to count resets by, e.g. `lost_device`: a lower-case letter, then 1-31
    /// lower-case letters, digits or `_`.
    #[schema(pattern = "^[a-z][a-z0-9_]{1,31}$")]
    pub reason_code: String,
    /// What happened, in the help desk's words: 1-256 characters, no control characters but
    /// line breaks. Recorded with email addresses, phone numbers and anything token-like
    /// redacted.
    #[schema(
        min_length = 1,
        max_length = 256,
        pattern = r"^[^\x00-\x09\x0B-\x1F\x7F-\x9F]+$"
    )]
    pub reason: String,
}

impl ResetRequest {
    fn reason(self) -> Result<Reason, ApiError> {
        let code_ok = self.reason_code.len() >= 2
            && self.reason_code.len() <= 32
            && self
                .reason_code
                .starts_with(|c: char| c.is_ascii_lowercase())
            && self
                .reason_code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            return Err(ApiError::InvalidRequest(
                "`reasonCode` must be 2-32 of a-z, 0-9 and `_`, starting with a letter.".into(),
            ));
        }
        let text = &self.reason;
        let text_ok = !text.is_empty()
            && text.chars().count() <= MAX_REASON_CHARS
            && !text.chars().any(|c| c.is_control() && c != '\n');
        if !text_ok {
            return Err(ApiError::InvalidRequest(format!(
                "`reason` must be 1-{MAX_REASON_CHARS} characters without control characters."
            )));
        }
        // Kept in logs and events: no contact details or secrets an admin may have typed.
        Ok(Reason {
            code: self.reason_code,
            text: crate::redact::external_text(text.trim()),
        })
    }
}

/// One authenticator a reset removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemovedByReset {
    pub id: String,
    pub verification_method: String,
}

/// The authenticator of the user's own contact that a reset leaves on the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeptByReset {
    pub id: String,
    pub verification_method: String,
    /// True when the account had none for that contact and the reset enrolled it.
    pub enrolled: bool,
    /// The contact, masked as the lists show it (`j***@example.com`, `+1******4567`): ask the
    /// user whether it is theirs. Anyone who held their session could have set and verified
    /// another address in the pool before the reset.
    pub contact: String,
}

impl From<&KeptByReset> for KeptAuthenticator {
    fn from(kept: &KeptByReset) -> Self {
        KeptAuthenticator {
            authenticator_id: kept.id.clone(),
            verification_method: kept.verification_method.clone(),
            enrolled: kept.enrolled,
            contact: kept.contact.clone(),
        }
    }
}

/// What a reset did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetResult {
    pub user_id: String,
    /// Every authenticator removed (none when a retried reset finds nothing more to remove).
    pub removed: Vec<RemovedByReset>,
    /// The user's own verified Cognito email (else phone number) as an authenticator, kept or
    /// enrolled, so the account is never left without one.
    pub kept: KeptByReset,
    /// Always true: a reset whose sign-out fails removes nothing and answers 502.
    pub signed_out: bool,
}

/// Resets a user who lost their authenticators: signs them out everywhere, then removes every
/// authenticator but the one of their own verified Cognito email (else phone number), enrolling
/// that one first when the account lacks it, and records one audit event with the reason and
/// what was removed. Retrying does no harm. A user with neither attribute verified is refused (409
/// `no_contact`) before anything is done: their account would be left empty, or bound to an
/// address nobody proved.
///
/// The account is never left empty: while an account has no authenticator, any client token
/// for the user (one a stale session asked for, or a sign-in round's) could enroll a contact or
/// passkey of its holder's choosing, and the next sign-in would then challenge that one. With
/// the user's own contact on the account, adding anything needs `add:authenticators`, which only
/// the enrollment token carries, after a recent sign-in. And no session from before the reset
/// gets one: Cognito's global sign-out revokes refresh tokens only, so the reset also records the
/// sign-out, and every route but `GET /v1/me` and `GET /v1/me/authenticators` refuses an access
/// token issued before it (401 `invalid_token`). Such a token can still read `GET /v1/me` and
/// `GET /v1/me/authenticators` until it expires. An Authsignal token handed out before the
/// sign-out was recorded (an enrollment token, a settings URL) cannot be revoked and works for
/// the rest of its 10 minutes: after a takeover, check the audit log for one issued up to the
/// reset's own line, and reset again once it has expired.
#[utoipa::path(
    post,
    path = "/v1/admin/users/{userId}/reset",
    tag = "admin",
    operation_id = "resetUser",
    security(("bearer" = [])),
    params(("userId" = String, Path, description = "The user's Cognito `sub`", pattern = "^[A-Za-z0-9._@+-]{1,128}$")),
    request_body = ResetRequest,
    responses(
        (status = 200, description = "Signed out, and every authenticator but the user's own contact removed", body = ResetResult),
        (status = 400, description = "`invalid_request`: malformed user id, reason code or reason", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no user in the pool has this `sub` (a username or email is not a `sub`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`: not in the admin group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no_contact`: the user has no verified email or phone number in the pool to keep, so nothing was done; confirm one, then reset again", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "`not_configured`: the help desk's user pool access is off (`ADMIN_USER_SEARCH`)", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "`upstream_unavailable`: the user could not be found or signed out, so nothing was removed; retry", body = Problem, content_type = "application/problem+json"),
        AuthProblems,
        BodyProblems,
        UpstreamProblems,
    )
)]
pub async fn reset_user(
    State(state): State<AppState>,
    UnrevokedUser(admin): UnrevokedUser,
    path: Result<ApiPath<UserId>, ApiError>,
    request_id: RequestId,
    body: Result<ApiJson<ResetRequest>, ApiError>,
) -> Result<Json<ResetResult>, ApiError> {
    require_admin(&state, &admin)?;
    let ApiPath(user_id) = path?;
    let ApiJson(request) = body?;
    let reason = request.reason()?;
    let Some(directory) = &state.integrations.directory else {
        return Err(ApiError::NotConfigured("User reset"));
    };
    let user_id = user_id.as_str();
    // By `sub` only: Cognito would sign out a user named by username or alias too, but
    // Authsignal knows users by `sub`, so such a reset would remove nothing and say it worked.
    let user = match directory.user_by_sub(user_id).await {
        Ok(user) => user,
        Err(DirectoryError::UnknownUser) => return Err(ApiError::NotFound("user")),
        Err(error) => {
            tracing::error!(%error, user_id, "reset refused: the user could not be looked up");
            return Err(ApiError::UpstreamUnavailable { retry_after: None });
        }
    };
    // What the account keeps; without it the reset would leave the account empty (above).
    // Only a verified attribute: the reset enrolls it unproved, and anyone holding a session can
    // set the Cognito email to an address of their own (README, Security).
    let Some(contact) = EnrollVerifiedAuthenticatorRequest::own_contact(
        user.email.as_deref().filter(|_| user.email_verified),
        user.phone_number
            .as_deref()
            .filter(|_| user.phone_number_verified),
    ) else {
        tracing::warn!(
            user_id,
            "reset refused: the user has no verified email or phone number to keep"
        );
        return Err(ApiError::NoContact);
    };
    // Signed out first, so no refresh token mints a session once the authenticators are gone;
    // if the pool cannot sign the user out, nothing is removed (the help desk retries).
    match directory.sign_out_everywhere(user_id).await {
        Ok(()) => {}
        Err(DirectoryError::UnknownUser) => return Err(ApiError::NotFound("user")),
        Err(error) => {
            tracing::error!(%error, user_id, "reset refused: the user could not be signed out");
            return Err(ApiError::UpstreamUnavailable { retry_after: None });
        }
    }
    // Cognito's sign-out leaves issued access tokens valid; recorded here (after it, so that a
    // token refreshed in between is older), this API refuses them from now on. Without the
    // record, whoever holds a recent session could enroll their own address after the reset.
    let recorded = state
        .integrations
        .sign_outs
        .record(user_id, SystemTime::now())
        .await;
    if let Err(error) = recorded {
        tracing::error!(%error, user_id, "reset refused: the sign-out could not be recorded");
        return Err(ApiError::SignOutStoreUnavailable);
    }
    // The user's own contact goes on before anything comes off. When it had to be enrolled, the
    // account had no authenticator of it, maybe none at all (emptied elsewhere), and a token
    // could add anything until then: the list to remove from is read again, after it.
    let before = state.authsignal.get_authenticators(user_id).await?;
    let kept = keep_own_contact(&state, user_id, &contact, &before).await?;
    let records = if kept.enrolled {
        state.authsignal.get_authenticators(user_id).await?
    } else {
        before
    };
    let mut removed = Vec::new();
    let mut failure = None;
    for record in records {
        if kept.id == record.user_authenticator_id {
            continue;
        }
        match state
            .authsignal
            .delete_authenticator(user_id, &record.user_authenticator_id)
            .await
        {
            // Gone already (a retry racing the first attempt): as good as removed.
            Ok(()) | Err(AuthsignalError::NotFound(_)) => removed.push(RemovedAuthenticator {
                authenticator_id: record.user_authenticator_id,
                verification_method: record.verification_method.to_string(),
            }),
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    // What was removed is recorded even when a later removal failed (a retry finishes it).
    let change = Change {
        kind: ChangeKind::UserReset,
        actor: &admin,
        subject: user_id,
        authenticator: None,
        proof: None,
        reset: Some(ResetRecord {
            reason,
            removed: removed.clone(),
            kept: KeptAuthenticator::from(&kept),
        }),
    };
    audit::record(&state, change, &request_id).await;
    if let Some(error) = failure {
        return Err(error.into());
    }
    Ok(Json(ResetResult {
        user_id: user_id.to_owned(),
        removed: removed
            .into_iter()
            .map(|r| RemovedByReset {
                id: r.authenticator_id,
                verification_method: r.verification_method,
            })
            .collect(),
        kept,
        signed_out: true,
    }))
}

/// The authenticator of the user's own `contact`, the one their next sign-in would enroll: found
/// among `records`, or enrolled now.
async fn keep_own_contact(
    state: &AppState,
    user_id: &str,
    contact: &EnrollVerifiedAuthenticatorRequest,
    records: &[UserAuthenticator],
) -> Result<KeptByReset, ApiError> {
    let (record, enrolled) = match records.iter().find(|r| is_same_contact(contact, r)) {
        Some(record) => (record.clone(), false),
        None => {
            let record = state
                .authsignal
                .enroll_verified_authenticator(user_id, contact)
                .await?
                .authenticator;
            tracing::info!(
                user_id,
                verification_method = %record.verification_method,
                "reset: the user's own contact enrolled, so the account is never without an authenticator"
            );
            (record, true)
        }
    };
    Ok(KeptByReset {
        id: record.user_authenticator_id,
        verification_method: record.verification_method.to_string(),
        enrolled,
        contact: masked_contact(contact),
    })
}

/// The email or phone number of `contact`, masked.
fn masked_contact(contact: &EnrollVerifiedAuthenticatorRequest) -> String {
    contact
        .email
        .as_deref()
        .map(mask_email)
        .or_else(|| contact.phone_number.as_deref().map(mask_phone))
        .unwrap_or_else(|| "***".into())
}

/// Whether `record` is `contact` enrolled with the same method: the same email or phone number
/// as [`ContactAttribute::same`] compares them.
fn is_same_contact(
    contact: &EnrollVerifiedAuthenticatorRequest,
    record: &UserAuthenticator,
) -> bool {
    let same = |attribute: ContactAttribute, wanted: Option<&str>| {
        wanted
            .zip(attribute.of(record))
            .is_some_and(|(wanted, enrolled)| attribute.same(wanted, enrolled))
    };
    record.verification_method == contact.verification_method
        && (same(ContactAttribute::Email, contact.email.as_deref())
            || same(
                ContactAttribute::PhoneNumber,
                contact.phone_number.as_deref(),
            ))
}
