//! `GET /v1/me`: who the access token says the caller is.

use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::docs::AuthProblems;
use crate::auth::AuthenticatedUser;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// The token's `sub`; the Authsignal user id.
    pub user_id: String,
    pub username: Option<String>,
    /// `cognito:groups`.
    pub groups: Vec<String>,
    /// The token's `scope`, split.
    pub scopes: Vec<String>,
    /// When the user signed in (seconds since the epoch).
    pub auth_time: Option<i64>,
    pub client_id: String,
}

/// The caller, as the access token describes them.
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "account",
    operation_id = "getMe",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = Me), AuthProblems)
)]
pub async fn get_me(user: AuthenticatedUser) -> Json<Me> {
    Json(Me {
        user_id: user.user_id,
        username: user.username,
        groups: user.groups,
        scopes: user.scopes,
        auth_time: user.auth_time,
        client_id: user.client_id,
    })
}
