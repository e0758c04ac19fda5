//! Recording that a user proved a contact: after a sign-in in which the user proved their own
//! email (or phone number) through Authsignal, Verify marks the Cognito attribute verified.
//! Nothing else sets `email_verified` or `phone_number_verified` (Pre sign-up no longer does),
//! so an ID token that says `email_verified: true` speaks of an address someone proved.
//!
//! The same flag tells Create whether a user has ever proved a contact: until one has, every
//! sign-in is a first-authenticator round (see `triggers::verify`).

pub mod cognito;

use async_trait::async_trait;

use crate::contact::ContactAttribute;

#[derive(Debug, thiserror::Error)]
#[error("contact not marked verified: {0}")]
pub struct MarkVerifiedError(pub String);

#[async_trait]
pub trait ContactVerifier: Send + Sync {
    /// Sets `<attribute>_verified = true` for `username` in `user_pool_id`.
    async fn mark_verified(
        &self,
        user_pool_id: &str,
        username: &str,
        attribute: ContactAttribute,
    ) -> Result<(), MarkVerifiedError>;
}
