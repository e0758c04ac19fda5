//! Revocation through Cognito's `AdminUserGlobalSignOut`, with the `sub` as the user name
//! (Cognito accepts it). Needs `cognito-idp:AdminUserGlobalSignOut` on the pool.

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::DisplayErrorContext;

use super::{RevokeError, SessionRevoker};

pub struct CognitoSessionRevoker {
    client: Client,
    user_pool_id: String,
}

impl CognitoSessionRevoker {
    pub fn new(client: Client, user_pool_id: impl Into<String>) -> Self {
        CognitoSessionRevoker {
            client,
            user_pool_id: user_pool_id.into(),
        }
    }
}

#[async_trait]
impl SessionRevoker for CognitoSessionRevoker {
    async fn revoke_all(&self, user_id: &str) -> Result<(), RevokeError> {
        self.client
            .admin_user_global_sign_out()
            .user_pool_id(&self.user_pool_id)
            .username(user_id)
            .send()
            .await
            .map_err(|error| RevokeError(DisplayErrorContext(&error).to_string()))?;
        Ok(())
    }
}
