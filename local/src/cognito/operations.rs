//! The pool's operations as the AWS SDKs call them: each request decoded from AWS JSON 1.1 into
//! a typed value (required members, string maps, attribute lists checked as Cognito checks
//! them), and each answer encoded back. This is the protocol half of the pool (as moto's
//! `responses.py` is); what the operations do is in `sign_up`, `sign_in` and `pool`, on these
//! types only.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::pool::{admin_attributes, sign_up_attributes};
use super::protocol::CognitoError;

/// A `{ string: string }` member (`AuthParameters`, `ChallengeResponses`, `ClientMetadata`).
pub type Strings = BTreeMap<String, String>;

/// A required, non-empty string member.
fn required(body: &Value, name: &str) -> Result<String, CognitoError> {
    body[name]
        .as_str()
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| CognitoError::missing_parameter(name))
}

/// A `{ string: string }` member; absent is empty.
fn strings(body: &Value, name: &str) -> Result<Strings, CognitoError> {
    match &body[name] {
        Value::Null => Ok(Strings::new()),
        Value::Object(map) if map.values().all(Value::is_string) => Ok(map
            .iter()
            .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_owned()))
            .collect()),
        _ => Err(CognitoError::serialization(format!(
            "`{name}` must map strings to strings."
        ))),
    }
}

/// A `[{Name, Value}]` member; absent is empty.
fn entries<'a>(body: &'a Value, name: &str) -> Result<&'a [Value], CognitoError> {
    match &body[name] {
        Value::Null => Ok(&[]),
        Value::Array(entries) => Ok(entries),
        _ => Err(CognitoError::serialization(format!(
            "`{name}` must be a list."
        ))),
    }
}

/// A required value from a string map (`USERNAME` in `AuthParameters`, ...).
pub fn parameter<'a>(parameters: &'a Strings, name: &str) -> Result<&'a str, CognitoError> {
    parameters
        .get(name)
        .map(String::as_str)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| CognitoError::missing_parameter(name))
}

pub struct SignUp {
    pub client_id: String,
    pub username: String,
    /// Absent for a user who signs in passwordless (they can never pass SRP).
    pub password: Option<String>,
    /// Standard and `custom:` attributes, checked against the schema and formats.
    pub attributes: BTreeMap<String, String>,
    pub validation_data: Strings,
    pub client_metadata: Strings,
}

impl SignUp {
    pub fn decode(body: &Value) -> Result<Self, CognitoError> {
        let validation_data = entries(body, "ValidationData")?
            .iter()
            .map(
                |entry| match (entry["Name"].as_str(), entry["Value"].as_str()) {
                    (Some(name), Some(value)) => Ok((name.to_owned(), value.to_owned())),
                    _ => Err(CognitoError::invalid_parameter(
                        "Each validation data entry needs a Name and a Value.",
                    )),
                },
            )
            .collect::<Result<_, _>>()?;
        Ok(SignUp {
            client_id: required(body, "ClientId")?,
            username: required(body, "Username")?,
            password: body["Password"]
                .as_str()
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
            attributes: sign_up_attributes(entries(body, "UserAttributes")?)?,
            validation_data,
            client_metadata: strings(body, "ClientMetadata")?,
        })
    }
}

/// What `SignUp` answers.
pub struct SignedUp {
    pub confirmed: bool,
    pub sub: String,
}

impl SignedUp {
    pub fn encode(&self) -> Value {
        json!({ "UserConfirmed": self.confirmed, "UserSub": self.sub })
    }
}

pub struct InitiateAuth {
    pub client_id: String,
    pub flow: String,
    pub parameters: Strings,
    pub client_metadata: Strings,
}

impl InitiateAuth {
    pub fn decode(body: &Value) -> Result<Self, CognitoError> {
        Ok(InitiateAuth {
            client_id: required(body, "ClientId")?,
            flow: required(body, "AuthFlow")?,
            parameters: strings(body, "AuthParameters")?,
            client_metadata: strings(body, "ClientMetadata")?,
        })
    }
}

pub struct RespondToAuthChallenge {
    pub client_id: String,
    pub challenge_name: String,
    pub session: String,
    pub responses: Strings,
    pub client_metadata: Strings,
}

impl RespondToAuthChallenge {
    pub fn decode(body: &Value) -> Result<Self, CognitoError> {
        Ok(RespondToAuthChallenge {
            client_id: required(body, "ClientId")?,
            challenge_name: required(body, "ChallengeName")?,
            session: required(body, "Session")?,
            responses: strings(body, "ChallengeResponses")?,
            client_metadata: strings(body, "ClientMetadata")?,
        })
    }
}

/// `GetTokensFromRefreshToken` and `RevokeToken`: a client and one of its refresh tokens.
pub struct ClientToken {
    pub client_id: String,
    pub token: String,
}

impl ClientToken {
    /// The token is `member` (`RefreshToken`, `Token`).
    pub fn decode(body: &Value, member: &str) -> Result<Self, CognitoError> {
        Ok(ClientToken {
            client_id: required(body, "ClientId")?,
            token: required(body, member)?,
        })
    }
}

/// The user an admin operation names: by username or `sub`, in a pool.
pub struct AdminUser {
    pub user_pool_id: String,
    pub username: String,
}

impl AdminUser {
    pub fn decode(body: &Value) -> Result<Self, CognitoError> {
        Ok(AdminUser {
            user_pool_id: required(body, "UserPoolId")?,
            username: required(body, "Username")?,
        })
    }
}

pub struct AdminAddUserToGroup {
    pub user: AdminUser,
    pub group: String,
}

impl AdminAddUserToGroup {
    pub fn decode(body: &Value) -> Result<Self, CognitoError> {
        Ok(AdminAddUserToGroup {
            user: AdminUser::decode(body)?,
            group: required(body, "GroupName")?,
        })
    }
}

pub struct AdminUpdateUserAttributes {
    pub user: AdminUser,
    /// The schema's attributes plus the two verification flags.
    pub attributes: BTreeMap<String, String>,
}

impl AdminUpdateUserAttributes {
    pub fn decode(body: &Value) -> Result<Self, CognitoError> {
        let user = AdminUser::decode(body)?;
        let Some(raw) = body["UserAttributes"].as_array() else {
            return Err(CognitoError::missing_parameter("UserAttributes"));
        };
        Ok(AdminUpdateUserAttributes {
            user,
            attributes: admin_attributes(raw)?,
        })
    }
}

/// What `AdminGetUser` answers.
pub struct UserView {
    pub username: String,
    pub sub: String,
    pub attributes: BTreeMap<String, String>,
    pub confirmed: bool,
}

impl UserView {
    pub fn encode(&self) -> Value {
        let mut attributes = vec![json!({ "Name": "sub", "Value": self.sub })];
        attributes.extend(
            self.attributes
                .iter()
                .map(|(name, value)| json!({ "Name": name, "Value": value })),
        );
        json!({
            "Username": self.username,
            "UserAttributes": attributes,
            "UserStatus": if self.confirmed { "CONFIRMED" } else { "UNCONFIRMED" },
            "Enabled": true,
        })
    }
}

/// Tokens at the end of a sign-in or from a refresh token (which gets no new refresh token).
pub struct AuthenticationResult {
    pub access_token: String,
    pub id_token: String,
    pub expires_in: i64,
    pub refresh_token: Option<String>,
}

impl AuthenticationResult {
    fn encode(&self) -> Value {
        let mut result = json!({
            "AccessToken": self.access_token,
            "ExpiresIn": self.expires_in,
            "TokenType": "Bearer",
            "IdToken": self.id_token,
        });
        if let Some(refresh_token) = &self.refresh_token {
            result["RefreshToken"] = json!(refresh_token);
        }
        result
    }
}

/// What `InitiateAuth` and `RespondToAuthChallenge` answer: the next challenge, or tokens.
pub enum AuthAnswer {
    Challenge {
        name: &'static str,
        session: String,
        /// Strings only, `USERNAME` included.
        parameters: Strings,
    },
    Tokens(AuthenticationResult),
}

impl AuthAnswer {
    pub fn encode(&self) -> Value {
        match self {
            AuthAnswer::Challenge {
                name,
                session,
                parameters,
            } => json!({
                "ChallengeName": name,
                "Session": session,
                "ChallengeParameters": parameters,
            }),
            AuthAnswer::Tokens(result) => json!({
                "ChallengeParameters": {},
                "AuthenticationResult": result.encode(),
            }),
        }
    }
}

/// What `GetTokensFromRefreshToken` answers.
pub fn encode_refreshed(result: &AuthenticationResult) -> Value {
    json!({ "AuthenticationResult": result.encode() })
}

/// The empty answer of operations that answer nothing.
pub fn empty() -> Value {
    Value::Object(Map::new())
}
