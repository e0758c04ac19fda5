//! The replay store on DynamoDB: one conditional `PutItem` per accepted step-up challenge.
//!
//! Item: `{ challengeDigest: S (hex SHA-256), expiresAt: N (epoch seconds) }`, partition key
//! `challengeDigest`, TTL on `expiresAt`. The write succeeds only if no unexpired item holds the
//! digest (`attribute_not_exists(challengeDigest) OR expiresAt < :now`, because TTL deletes
//! expired items only eventually); `ConditionalCheckFailedException` means the challenge was
//! used. This needs `dynamodb:PutItem` on the table; the same table also keeps each user's
//! last sign-out (`revocation::dynamodb`), under keys of another shape.

use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{ChallengeDigest, ReplayStore, ReplayStoreError};

/// The partition key attribute.
pub const KEY_ATTRIBUTE: &str = "challengeDigest";
/// The TTL attribute.
pub const EXPIRY_ATTRIBUTE: &str = "expiresAt";

pub struct DynamoDbReplayStore {
    client: Client,
    table: String,
}

impl DynamoDbReplayStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoDbReplayStore {
            client,
            table: table.into(),
        }
    }
}

#[async_trait]
impl ReplayStore for DynamoDbReplayStore {
    async fn first_use(
        &self,
        digest: &ChallengeDigest,
        expires_at: SystemTime,
    ) -> Result<bool, ReplayStoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(KEY_ATTRIBUTE, AttributeValue::S(digest.to_hex()))
            .item(
                EXPIRY_ATTRIBUTE,
                AttributeValue::N(epoch_seconds(expires_at).to_string()),
            )
            .condition_expression("attribute_not_exists(#key) OR #expires < :now")
            .expression_attribute_names("#key", KEY_ATTRIBUTE)
            .expression_attribute_names("#expires", EXPIRY_ATTRIBUTE)
            .expression_attribute_values(
                ":now",
                AttributeValue::N(epoch_seconds(SystemTime::now()).to_string()),
            )
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(error) => match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Ok(false),
                _ => Err(ReplayStoreError(DisplayErrorContext(&error).to_string())),
            },
        }
    }
}

/// Whole seconds since the epoch, as DynamoDB's TTL (and a token's `iat`) counts them.
pub fn epoch_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
