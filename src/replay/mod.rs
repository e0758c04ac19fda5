//! Step-up replay protection: a validation token proves one operation, once. The port remembers
//! the SHA-256 of each accepted token (never the token) until it could no longer validate
//! anyway, and says whether it was there already.
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

/// The SHA-256 of a token: what the stores keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    pub fn of(token: &str) -> Self {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(digest.as_ref());
        TokenDigest(bytes)
    }

    /// Lowercase hex, as stored.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// The store could not say whether the token was used.
#[derive(Debug, thiserror::Error)]
#[error("replay store unavailable: {0}")]
pub struct ReplayStoreError(pub String);

#[async_trait]
pub trait ReplayStore: Send + Sync {
    /// Records `digest` as used until `expires_at`. `Ok(true)` the first time; `Ok(false)` when
    /// it is already recorded and not yet expired.
    async fn first_use(
        &self,
        digest: &TokenDigest,
        expires_at: SystemTime,
    ) -> Result<bool, ReplayStoreError>;
}

/// Used digests in this process's memory.
#[derive(Default)]
pub struct MemoryReplayStore {
    used: Mutex<HashMap<TokenDigest, SystemTime>>,
}

#[async_trait]
impl ReplayStore for MemoryReplayStore {
    async fn first_use(
        &self,
        digest: &TokenDigest,
        expires_at: SystemTime,
    ) -> Result<bool, ReplayStoreError> {
        let now = SystemTime::now();
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        used.retain(|_, expires| *expires > now);
        Ok(used.insert(*digest, expires_at).is_none())
    }
}
