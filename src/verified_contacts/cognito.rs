//! The contact verifier on Cognito: `AdminUpdateUserAttributes` with the proved `email` (or
//! `phone_number`) and `email_verified` (or `phone_number_verified`) `true`, in one call. Needs
//! `cognito-idp:AdminUpdateUserAttributes` on the pool. A value marked verified in the same call
//! sends the user no message.

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::DisplayErrorContext;
use aws_sdk_cognitoidentityprovider::types::AttributeType;

use super::{ContactVerifier, MarkVerifiedError};
use crate::contact::ContactAttribute;

pub struct CognitoContactVerifier {
    client: Client,
}

impl CognitoContactVerifier {
    pub fn new(client: Client) -> Self {
        CognitoContactVerifier { client }
    }
}

#[async_trait]
impl ContactVerifier for CognitoContactVerifier {
    async fn mark_verified(
        &self,
        user_pool_id: &str,
        username: &str,
        attribute: ContactAttribute,
        proved: &str,
    ) -> Result<(), MarkVerifiedError> {
        let pair = |name: &str, value: &str| {
            AttributeType::builder()
                .name(name)
                .value(value)
                .build()
                .map_err(|error| MarkVerifiedError(error.to_string()))
        };
        self.client
            .admin_update_user_attributes()
            .user_pool_id(user_pool_id)
            .username(username)
            .user_attributes(pair(attribute.name(), proved)?)
            .user_attributes(pair(attribute.verified_name(), "true")?)
            .send()
            .await
            // The error may quote the address: it is kept redacted, like any text from outside.
            .map_err(|error| {
                MarkVerifiedError(crate::redact::external_text(
                    &DisplayErrorContext(&error).to_string(),
                ))
            })?;
        Ok(())
    }
}
