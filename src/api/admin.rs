//! `/v1/admin/...`: help-desk operations on any user, for members of `ADMIN_GROUP`.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::account::{Removal, remove_authenticator};
use super::docs::{AuthProblems, UpstreamProblems};
use super::ids::{ApiPath, AuthenticatorId, UserId};
use super::problem::{ApiError, Problem};
use super::request_id::RequestId;
use super::views::{AuthenticatorList, UserSearchResult, UserSummary};
use crate::auth::AuthenticatedUser;
use crate::authsignal::AuthsignalApi;
use crate::contact::{mask_email, mask_phone};
use crate::directory::{DirectoryError, DirectoryUser, SearchAttribute, UserQuery};
use crate::events::ChangeKind;

/// Routes of the admin API, with their OpenAPI operations.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(find_users))
        .routes(routes!(list_user_authenticators))
        .routes(routes!(delete_user_authenticator))
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
    admin: AuthenticatedUser,
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
            DirectoryError::Unavailable(reason) => {
                tracing::error!(%reason, "user search failed");
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
    admin: AuthenticatedUser,
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
    admin: AuthenticatedUser,
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
