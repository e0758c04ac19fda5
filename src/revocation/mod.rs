//! Session revocation after an authenticator is removed (`REVOKE_SESSIONS_ON_REMOVAL=true`): a
//! user whose lost phone was just removed should sign in again everywhere. The removal has
//! already happened when revocation runs, so a failure is logged, never turned into an error.
//!
//! What it does and does not do: Cognito's global sign-out invalidates the user's refresh tokens
//! (no new access tokens), but access and ID tokens already issued stay valid until they expire
//! (one hour by default): keep the app client's access-token validity short where this matters.

pub mod cognito;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
#[error("sessions not revoked: {0}")]
pub struct RevokeError(pub String);

#[async_trait]
pub trait SessionRevoker: Send + Sync {
    /// Signs the user (by `sub`) out of every session.
    async fn revoke_all(&self, user_id: &str) -> Result<(), RevokeError>;
}
