//! The user pool through Cognito's `ListUsers` and `AdminUserGlobalSignOut` (with the `sub` as
//! the user name, which Cognito accepts); needs both actions on the pool.

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_cognitoidentityprovider::primitives::DateTimeFormat;
use aws_sdk_cognitoidentityprovider::types::UserType;

use super::{DirectoryError, DirectoryUser, UserDirectory, UserPage, UserQuery};

pub struct CognitoDirectory {
    client: Client,
    user_pool_id: String,
}

impl CognitoDirectory {
    pub fn new(client: Client, user_pool_id: impl Into<String>) -> Self {
        CognitoDirectory {
            client,
            user_pool_id: user_pool_id.into(),
        }
    }
}

fn user_of(user: &UserType) -> Option<DirectoryUser> {
    let attribute = |name: &str| {
        user.attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value())
            .map(str::to_owned)
    };
    Some(DirectoryUser {
        sub: attribute("sub")?,
        username: user.username()?.to_owned(),
        status: user
            .user_status()
            .map_or_else(|| "UNKNOWN".to_owned(), |s| s.as_str().to_owned()),
        enabled: user.enabled(),
        created_at: user
            .user_create_date()
            .and_then(|at| at.fmt(DateTimeFormat::DateTime).ok()),
        email: attribute("email"),
        email_verified: attribute("email_verified").as_deref() == Some("true"),
        phone_number: attribute("phone_number"),
        phone_number_verified: attribute("phone_number_verified").as_deref() == Some("true"),
    })
}

#[async_trait]
impl UserDirectory for CognitoDirectory {
    async fn find_users(&self, query: &UserQuery) -> Result<UserPage, DirectoryError> {
        let answer = self
            .client
            .list_users()
            .user_pool_id(&self.user_pool_id)
            .filter(query.filter())
            .limit(i32::from(query.limit()))
            .set_pagination_token(query.pagination_token().map(str::to_owned))
            .send()
            .await
            .map_err(|error| {
                if error.code() == Some("InvalidParameterException") {
                    DirectoryError::Refused(error.message().unwrap_or_default().to_owned())
                } else {
                    DirectoryError::Unavailable(DisplayErrorContext(&error).to_string())
                }
            })?;
        Ok(UserPage {
            users: answer.users().iter().filter_map(user_of).collect(),
            pagination_token: answer.pagination_token().map(str::to_owned),
        })
    }

    async fn sign_out_everywhere(&self, sub: &str) -> Result<(), DirectoryError> {
        // As `CognitoSessionRevoker` does, but telling an unknown user from a failure.
        self.client
            .admin_user_global_sign_out()
            .user_pool_id(&self.user_pool_id)
            .username(sub)
            .send()
            .await
            .map_err(|error| {
                if error.code() == Some("UserNotFoundException") {
                    DirectoryError::UnknownUser
                } else {
                    DirectoryError::Unavailable(DisplayErrorContext(&error).to_string())
                }
            })?;
        Ok(())
    }
}
