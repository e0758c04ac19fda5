//! `SignUp`: the checks Cognito makes, then the Pre sign-up trigger decides whether the user is
//! confirmed and which contacts count as verified.

use serde_json::json;

use super::LocalCognito;
use super::operations::{SignUp, SignedUp};
use super::pool::{LocalUser, check_password_policy, check_username};
use super::protocol::CognitoError;
use super::srp::PasswordVerifier;
use super::triggers::{EventHeader, Trigger};

impl LocalCognito {
    pub(super) async fn sign_up(&self, request: SignUp) -> Result<SignedUp, CognitoError> {
        let SignUp {
            client_id,
            username,
            password,
            mut attributes,
            validation_data,
            client_metadata,
        } = request;
        let (client_id, username) = (client_id.as_str(), username.as_str());
        self.check_client(client_id)?;
        check_username(username)?;
        // A user signing in passwordless may have no password; such a user can never pass SRP.
        let password = password.as_deref();
        if let Some(password) = password {
            check_password_policy(password)?;
        }
        if self.state().pool.user(username).is_some() {
            return Err(CognitoError::username_exists());
        }

        let sub = uuid::Uuid::new_v4().to_string();
        let mut trigger_attributes = attributes.clone();
        trigger_attributes.insert("sub".into(), sub.clone());
        trigger_attributes.insert("cognito:user_status".into(), "UNCONFIRMED".into());
        let header = EventHeader {
            region: &self.region,
            user_pool_id: &self.user_pool_id,
            client_id,
            user_name: username,
        };
        let response = self
            .triggers
            .invoke(
                Trigger::PreSignUp,
                &header,
                json!({
                    "userAttributes": trigger_attributes,
                    "validationData": validation_data,
                    "clientMetadata": client_metadata,
                }),
                json!({ "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false }),
            )
            .await?;
        let flag = |name: &str| response[name].as_bool().unwrap_or(false);
        let (confirmed, verify_email, verify_phone) = (
            flag("autoConfirmUser"),
            flag("autoVerifyEmail"),
            flag("autoVerifyPhone"),
        );
        // Cognito refuses a flag for a contact the user does not have.
        if (verify_email && !attributes.contains_key("email"))
            || (verify_phone && !attributes.contains_key("phone_number"))
        {
            return Err(CognitoError::invalid_trigger_response(
                "Invalid lambda function output : autoVerify requires the email or phone_number attribute",
            ));
        }
        // Cognito records a contact it was not told to verify as unverified.
        for (contact, flag, verified) in [
            ("email", "email_verified", verify_email),
            ("phone_number", "phone_number_verified", verify_phone),
        ] {
            if attributes.contains_key(contact) {
                attributes.insert(flag.into(), verified.to_string());
            }
        }
        let user = LocalUser {
            sub: sub.clone(),
            username: username.to_owned(),
            attributes,
            confirmed,
            password: match password {
                Some(password) => PasswordVerifier::new(&self.pool_name, username, password),
                None => PasswordVerifier::random(&self.pool_name),
            },
            groups: Vec::new(),
            created_at: std::time::SystemTime::now(),
        };
        self.state().pool.add(user)?;
        tracing::info!(confirmed, "local user signed up");
        Ok(SignedUp { confirmed, sub })
    }
}
