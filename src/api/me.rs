//! `GET /v1/me`: who the access token says the caller is.

use axum::Json;
use serde::Serialize;

use crate::auth::AuthenticatedUser;

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// The token's `sub`; the Authsignal user id.
    pub user_id: String,
    pub username: Option<String>,
    pub groups: Vec<String>,
    pub scopes: Vec<String>,
    /// When the user signed in (seconds since the epoch).
    pub auth_time: Option<i64>,
    pub client_id: String,
}

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
