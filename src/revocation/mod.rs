//! Signing a user out everywhere, and making it stick.
//!
//! [`SessionRevoker`]: after an authenticator is removed (`REVOKE_SESSIONS_ON_REMOVAL=true`), a
//! user whose lost phone was just removed should sign in again everywhere. The removal has
//! already happened when revocation runs, so a failure is logged, never turned into an error.
//!
//! Cognito's global sign-out invalidates the user's refresh tokens (no new access tokens), but
//! an access token already issued still verifies by its signature until it expires (one hour by
//! default). [`SignOuts`] closes that gap for this API where it matters most, after a help-desk
//! reset: it keeps, per user, the second of the reset's sign-out, and every route but the two
//! that only read the caller's own account refuses an access token issued up to it
//! (`api::authenticated::UnrevokedUser`, [`issued_before_sign_out`]). A removal's revocation records nothing: it would end
//! the remover's own session at its next change.

pub mod cognito;
pub mod dynamodb;

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

pub use crate::replay::dynamodb::epoch_seconds;

#[derive(Debug, thiserror::Error)]
#[error("sessions not revoked: {0}")]
pub struct RevokeError(pub String);

#[async_trait]
pub trait SessionRevoker: Send + Sync {
    /// Signs the user (by `sub`) out of every session.
    async fn revoke_all(&self, user_id: &str) -> Result<(), RevokeError>;
}

/// How far ahead of ours the token issuer's clock may run, beyond `JWT_LEEWAY_SECONDS`.
pub const ISSUER_CLOCK_MARGIN: Duration = Duration::from_secs(1);

/// How long a sign-out is remembered: until no token it refuses can verify any more. Such a token
/// was issued at most the largest `JWT_LEEWAY_SECONDS` plus [`ISSUER_CLOCK_MARGIN`] after it (by
/// our clock), lives at most Cognito's longest access-token validity (one day), and verifies for
/// the leeway past its expiry.
pub const SIGN_OUT_MEMORY: Duration = Duration::from_secs(
    24 * 60 * 60 + 2 * crate::config::MAX_LEEWAY_SECONDS + ISSUER_CLOCK_MARGIN.as_secs(),
);

/// The sign-out store could not record or tell.
#[derive(Debug, thiserror::Error)]
#[error("sign-out store unavailable: {0}")]
pub struct SignOutStoreError(pub String);

/// When each user was last signed out everywhere, in whole seconds since the epoch (the unit of
/// a token's `iat`).
#[async_trait]
pub trait SignOuts: Send + Sync {
    /// Records that `user_id` was signed out everywhere at `at`, unless a later sign-out is
    /// recorded already; remembered for [`SIGN_OUT_MEMORY`].
    async fn record(&self, user_id: &str, at: SystemTime) -> Result<(), SignOutStoreError>;

    /// The second of the user's last recorded sign-out, if one is remembered.
    async fn last(&self, user_id: &str) -> Result<Option<u64>, SignOutStoreError>;
}

/// Whether a token issued at `issued_at` (its `iat`) may predate a sign-out at `signed_out_at`.
/// `iat` has whole seconds, so a token of the sign-out's own second cannot be told from one
/// issued just before it, and the issuer's clock may run ahead of ours (by up to `leeway` plus
/// [`ISSUER_CLOCK_MARGIN`]): such tokens count as earlier, and a sign-in that close after the
/// sign-out is asked to sign in again. A token without `iat` cannot show it is newer.
pub fn issued_before_sign_out(
    issued_at: Option<i64>,
    signed_out_at: u64,
    leeway: Duration,
) -> bool {
    let margin = leeway + ISSUER_CLOCK_MARGIN;
    issued_at.is_none_or(|iat| {
        i128::from(iat) <= i128::from(signed_out_at) + i128::from(margin.as_secs())
    })
}

/// Sign-outs in this process's memory (`serve` and `dev` without a replay table).
#[derive(Default)]
pub struct MemorySignOuts {
    /// User id → (second of the sign-out, when it is forgotten).
    last: Mutex<HashMap<String, (u64, SystemTime)>>,
}

#[async_trait]
impl SignOuts for MemorySignOuts {
    async fn record(&self, user_id: &str, at: SystemTime) -> Result<(), SignOutStoreError> {
        let now = SystemTime::now();
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        last.retain(|_, (_, forget_at)| *forget_at > now);
        let recorded = (epoch_seconds(at), at + SIGN_OUT_MEMORY);
        let entry = last.entry(user_id.to_owned()).or_insert(recorded);
        if recorded.0 > entry.0 {
            *entry = recorded;
        }
        Ok(())
    }

    async fn last(&self, user_id: &str) -> Result<Option<u64>, SignOutStoreError> {
        let now = SystemTime::now();
        let last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(last
            .get(user_id)
            .filter(|(_, forget_at)| *forget_at > now)
            .map(|(at, _)| *at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_of_the_sign_outs_second_or_the_next_may_predate_it() {
        let none = Duration::ZERO;
        assert!(issued_before_sign_out(Some(99), 100, none));
        assert!(issued_before_sign_out(Some(100), 100, none));
        // The issuer's clock may be a little ahead of ours.
        assert!(issued_before_sign_out(Some(101), 100, none));
        assert!(!issued_before_sign_out(Some(102), 100, none));
        assert!(issued_before_sign_out(None, 100, none));
        // With leeway, that much further.
        let two = Duration::from_secs(2);
        assert!(issued_before_sign_out(Some(103), 100, two));
        assert!(!issued_before_sign_out(Some(104), 100, two));
        // Absurd values do not overflow.
        assert!(issued_before_sign_out(Some(i64::MIN), u64::MAX, none));
        assert!(!issued_before_sign_out(Some(i64::MAX), 0, none));
    }

    #[tokio::test]
    async fn memory_keeps_each_users_latest_sign_out_until_no_older_token_can_verify() {
        let sign_outs = MemorySignOuts::default();
        assert_eq!(sign_outs.last("user-1").await.unwrap(), None);
        let now = SystemTime::now();
        sign_outs.record("user-1", now).await.unwrap();
        // An earlier sign-out recorded late does not undo the later one.
        let earlier = now - Duration::from_secs(60);
        sign_outs.record("user-1", earlier).await.unwrap();
        assert_eq!(
            sign_outs.last("user-1").await.unwrap(),
            Some(epoch_seconds(now))
        );
        assert_eq!(sign_outs.last("user-2").await.unwrap(), None);
        // Older than a day and the largest leeway: forgotten.
        let long_ago = now - SIGN_OUT_MEMORY - Duration::from_secs(1);
        sign_outs.record("user-3", long_ago).await.unwrap();
        assert_eq!(sign_outs.last("user-3").await.unwrap(), None);
        let just_within = now - SIGN_OUT_MEMORY + Duration::from_secs(60);
        sign_outs.record("user-4", just_within).await.unwrap();
        assert!(sign_outs.last("user-4").await.unwrap().is_some());
    }
}
