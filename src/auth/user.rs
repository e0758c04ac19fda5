//! `AuthenticatedUser`: the caller, as proven by a verified Cognito access token.

use super::verifier::AccessTokenClaims;

/// Who is calling. `user_id` is the token's `sub`: the Authsignal user id everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser {
    pub user_id: String,
    pub username: Option<String>,
    pub client_id: String,
    pub groups: Vec<String>,
    pub scopes: Vec<String>,
    pub auth_time: Option<i64>,
    /// The token's `iat`: a token issued before the user's last sign-out everywhere is refused
    /// where it matters (`revocation::SignOuts`).
    pub issued_at: Option<i64>,
    pub origin_jti: Option<String>,
}

impl From<AccessTokenClaims> for AuthenticatedUser {
    fn from(claims: AccessTokenClaims) -> Self {
        claims.user
    }
}
