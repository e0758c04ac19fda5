//! `SignUp`: the checks Cognito makes, then the Pre sign-up trigger decides whether the user is
//! confirmed and which contacts count as verified.

use serde_json::{Value, json};

use super::pool::{LocalUser, check_password_policy, check_username, sign_up_attributes};
use super::protocol::CognitoError;
use super::srp::PasswordVerifier;
use super::triggers::{EventHeader, Trigger};
use super::{LocalCognito, required, string_map};

impl LocalCognito {
    pub(super) async fn sign_up(&self, body: &Value) -> Result<Value, CognitoError> {
        let client_id = required(body, "ClientId")?;
        self.check_client(client_id)?;
        let username = required(body, "Username")?;
        check_username(username)?;
        // A user signing in passwordless may have no password; such a user can never pass SRP.
        let password = body["Password"].as_str().filter(|p| !p.is_empty());
        if let Some(password) = password {
            check_password_policy(password)?;
        }
        let raw_attributes = match &body["UserAttributes"] {
            Value::Null => Vec::new(),
            Value::Array(entries) => entries.clone(),
            _ => {
                return Err(CognitoError::serialization(
                    "`UserAttributes` must be a list.",
                ));
            }
        };
        let mut attributes = sign_up_attributes(&raw_attributes)?;
        let validation_data = attribute_map(&body["ValidationData"])?;
        let client_metadata = string_map(body, "ClientMetadata")?;
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
        };
        self.state().pool.add(user)?;
        tracing::info!(confirmed, "local user signed up");
        Ok(json!({ "UserConfirmed": confirmed, "UserSub": sub }))
    }
}

/// `ValidationData: [{Name, Value}]` as the trigger's `{name: value}` map.
fn attribute_map(raw: &Value) -> Result<serde_json::Map<String, Value>, CognitoError> {
    let entries = match raw {
        Value::Null => return Ok(serde_json::Map::new()),
        Value::Array(entries) => entries,
        _ => {
            return Err(CognitoError::serialization(
                "`ValidationData` must be a list.",
            ));
        }
    };
    entries
        .iter()
        .map(
            |entry| match (entry["Name"].as_str(), entry["Value"].as_str()) {
                (Some(name), Some(value)) => Ok((name.to_owned(), json!(value))),
                _ => Err(CognitoError::invalid_parameter(
                    "Each validation data entry needs a Name and a Value.",
                )),
            },
        )
        .collect()
}
