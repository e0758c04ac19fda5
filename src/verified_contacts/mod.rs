//! Recording that a user proved a contact: after a first sign-in in which the user proved their
//! own email (or phone number) through Authsignal, Verify marks the Cognito attribute verified.
//! Nothing else sets `email_verified` or `phone_number_verified` (Pre sign-up no longer does),
//! so an ID token that says `email_verified: true` speaks of an address someone proved. The
//! proved value is written with the flag, in one call, so an address changed meanwhile is never
//! the one marked verified.

pub mod cognito;

use async_trait::async_trait;

use crate::contact::ContactAttribute;

#[derive(Debug, thiserror::Error)]
#[error("contact not marked verified: {0}")]
pub struct MarkVerifiedError(pub String);

#[async_trait]
pub trait ContactVerifier: Send + Sync {
    /// Sets `attribute = proved` and `<attribute>_verified = true` for `username` in
    /// `user_pool_id`.
    async fn mark_verified(
        &self,
        user_pool_id: &str,
        username: &str,
        attribute: ContactAttribute,
        proved: &str,
    ) -> Result<(), MarkVerifiedError>;
}
