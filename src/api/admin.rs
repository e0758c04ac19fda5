//! `/v1/admin/...`: help-desk operations on any user, for members of `ADMIN_GROUP`.

use axum::Json;
use axum::extract::State;

use super::AppState;
use super::account::{Removal, remove_authenticator};
use super::docs::{AuthProblems, UpstreamProblems};
use super::ids::{ApiPath, AuthenticatorId, UserId};
use super::problem::{ApiError, Problem};
use super::request_id::RequestId;
use super::views::AuthenticatorList;
use crate::auth::AuthenticatedUser;
use crate::events::ChangeKind;

/// Routes of the admin API, with their OpenAPI operations.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
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
