//! Sign-outs on DynamoDB, in the replay table (`REPLAY_TABLE_NAME`), so that every instance of
//! every function sees a sign-out the moment it is recorded.
//!
//! Item: `{ challengeDigest: S, signedOutAt: N, expiresAt: N }`. The key is the hex SHA-256 of
//! `("signed-out", sub)`, never the user id; a step-up digest hashes three parts, so the two
//! kinds of item cannot share a key. `expiresAt` (the table's TTL) is [`SIGN_OUT_MEMORY`] after
//! the sign-out.
//! Recording is one `PutItem`, conditional on no later sign-out being there; reading is one
//! strongly consistent `GetItem`. The functions need `dynamodb:PutItem` (the admin function)
//! and `dynamodb:GetItem` (both API functions) on the table.

use std::time::SystemTime;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{SIGN_OUT_MEMORY, SignOutStoreError, SignOuts, epoch_seconds};
use crate::digest::{lower_hex, sha256_of_parts};
use crate::replay::dynamodb::{EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE};

/// The attribute holding the second of the sign-out.
pub const SIGNED_OUT_AT_ATTRIBUTE: &str = "signedOutAt";

pub struct DynamoDbSignOuts {
    client: Client,
    table: String,
}

impl DynamoDbSignOuts {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoDbSignOuts {
            client,
            table: table.into(),
        }
    }
}

/// The item key of `user_id`'s sign-out: lowercase hex SHA-256.
pub fn sign_out_key(user_id: &str) -> String {
    lower_hex(&sha256_of_parts(&[b"signed-out", user_id.as_bytes()]))
}

fn unavailable(error: impl std::error::Error) -> SignOutStoreError {
    SignOutStoreError(DisplayErrorContext(error).to_string())
}

#[async_trait]
impl SignOuts for DynamoDbSignOuts {
    async fn record(&self, user_id: &str, at: SystemTime) -> Result<(), SignOutStoreError> {
        let signed_out_at = AttributeValue::N(epoch_seconds(at).to_string());
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(KEY_ATTRIBUTE, AttributeValue::S(sign_out_key(user_id)))
            .item(SIGNED_OUT_AT_ATTRIBUTE, signed_out_at.clone())
            .item(
                EXPIRY_ATTRIBUTE,
                AttributeValue::N(epoch_seconds(at + SIGN_OUT_MEMORY).to_string()),
            )
            // Two resets at once: the later sign-out stays.
            .condition_expression("attribute_not_exists(#key) OR #at < :at")
            .expression_attribute_names("#key", KEY_ATTRIBUTE)
            .expression_attribute_names("#at", SIGNED_OUT_AT_ATTRIBUTE)
            .expression_attribute_values(":at", signed_out_at)
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(error) => match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Ok(()),
                _ => Err(unavailable(error)),
            },
        }
    }

    async fn last(&self, user_id: &str) -> Result<Option<u64>, SignOutStoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(KEY_ATTRIBUTE, AttributeValue::S(sign_out_key(user_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?
            .item;
        let Some(item) = item else {
            return Ok(None);
        };
        let number = |name: &str| {
            item.get(name)
                .and_then(|value| value.as_n().ok())
                .and_then(|n| n.parse::<u64>().ok())
        };
        // TTL deletes expired items only eventually.
        if number(EXPIRY_ATTRIBUTE)
            .is_some_and(|expires| expires <= epoch_seconds(SystemTime::now()))
        {
            return Ok(None);
        }
        // An item this service did not write is not a sign-out it can read: fail closed.
        number(SIGNED_OUT_AT_ATTRIBUTE).map(Some).ok_or_else(|| {
            SignOutStoreError(format!("item lacks a numeric `{SIGNED_OUT_AT_ATTRIBUTE}`"))
        })
    }
}
