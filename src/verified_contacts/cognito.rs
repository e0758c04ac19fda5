//! The contact verifier on Cognito: `AdminUpdateUserAttributes` with `email_verified` (or
//! `phone_number_verified`) set to `true`. Needs `cognito-idp:AdminUpdateUserAttributes` on the
//! pool. Setting only the flag sends the user no message.

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
    ) -> Result<(), MarkVerifiedError> {
        let verified = AttributeType::builder()
            .name(attribute.verified_name())
            .value("true")
            .build()
            .map_err(|error| MarkVerifiedError(error.to_string()))?;
        self.client
            .admin_update_user_attributes()
            .user_pool_id(user_pool_id)
            .username(username)
            .user_attributes(verified)
            .send()
            .await
            .map_err(|error| MarkVerifiedError(DisplayErrorContext(&error).to_string()))?;
        Ok(())
    }
}
