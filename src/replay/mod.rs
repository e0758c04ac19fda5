//! Step-up replay protection: one step-up challenge authorises one operation, once. Single use is
//! keyed on the *challenge*, not the token string: after one challenge succeeds, more than one
//! token validates for it (the validation token the client SDK returns, and the step-up's own
//! track token), and each would otherwise be a fresh use. The port remembers the SHA-256 of the
//! user, the action and the challenge's idempotency key (never a token) until any token for it
//! could no longer validate, and says whether it was there already.
//!
//! Two adapters: [`MemoryReplayStore`] (one process: `serve` and `dev` by default) and
//! [`dynamodb::DynamoDbReplayStore`] (every instance of every function sharing one table, chosen
//! by `REPLAY_TABLE_NAME`). A store that cannot answer is an error, and the caller refuses the
//! operation: replay protection fails closed.

pub mod dynamodb;

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use async_trait::async_trait;

/// The SHA-256 of one challenge (user, action, Authsignal idempotency key): what the stores keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChallengeDigest([u8; 32]);

impl ChallengeDigest {
    pub fn of(user_id: &str, action: &str, idempotency_key: &str) -> Self {
        ChallengeDigest(crate::digest::sha256_of_parts(&[
            user_id.as_bytes(),
            action.as_bytes(),
            idempotency_key.as_bytes(),
        ]))
    }

    /// Lowercase hex, as stored.
    pub fn to_hex(&self) -> String {
        crate::digest::lower_hex(&self.0)
    }
}

/// The store could not say whether the token was used.
#[derive(Debug, thiserror::Error)]
#[error("replay store unavailable: {0}")]
pub struct ReplayStoreError(pub String);

#[async_trait]
pub trait ReplayStore: Send + Sync {
    /// Records the challenge `digest` as used until `expires_at`. `Ok(true)` the first time;
    /// `Ok(false)` when it is already recorded and not yet expired.
    async fn first_use(
        &self,
        digest: &ChallengeDigest,
        expires_at: SystemTime,
    ) -> Result<bool, ReplayStoreError>;
}

/// Used digests in this process's memory.
#[derive(Default)]
pub struct MemoryReplayStore {
    used: Mutex<HashMap<ChallengeDigest, SystemTime>>,
}

#[async_trait]
impl ReplayStore for MemoryReplayStore {
    async fn first_use(
        &self,
        digest: &ChallengeDigest,
        expires_at: SystemTime,
    ) -> Result<bool, ReplayStoreError> {
        let now = SystemTime::now();
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        used.retain(|_, expires| *expires > now);
        Ok(used.insert(*digest, expires_at).is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_digest_depends_on_every_part_and_their_boundaries() {
        let digest = ChallengeDigest::of("user", "removeAuthenticator", "key-1");
        assert_eq!(
            digest,
            ChallengeDigest::of("user", "removeAuthenticator", "key-1")
        );
        for other in [
            ChallengeDigest::of("user2", "removeAuthenticator", "key-1"),
            ChallengeDigest::of("user", "addAuthenticator", "key-1"),
            ChallengeDigest::of("user", "removeAuthenticator", "key-2"),
            ChallengeDigest::of("userremoveAuthenticator", "", "key-1"),
        ] {
            assert_ne!(digest, other);
        }
        assert_eq!(digest.to_hex().len(), 64);
    }
}
