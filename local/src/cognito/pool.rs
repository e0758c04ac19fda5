//! The local user pool's users and refresh tokens, with the checks Cognito applies at sign-up:
//! the default password policy, the standard attribute schema, email and phone formats, and
//! case-insensitive usernames.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::protocol::CognitoError;
use super::srp::PasswordVerifier;
use crate::contact::{is_e164, is_email};

/// Cognito's default refresh-token validity.
pub const REFRESH_TOKEN_VALIDITY: Duration = Duration::from_secs(30 * 24 * 3600);

/// Standard attributes a client may set at sign-up (plus any `custom:` one).
const STANDARD_ATTRIBUTES: &[&str] = &[
    "address",
    "birthdate",
    "email",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
];

#[derive(Debug, Clone)]
pub struct LocalUser {
    pub sub: String,
    /// As given at sign-up; lookups ignore case.
    pub username: String,
    /// Standard and custom attributes, plus `email_verified` / `phone_number_verified`.
    pub attributes: BTreeMap<String, String>,
    pub confirmed: bool,
    pub password: PasswordVerifier,
    /// The groups the user is in (`cognito:groups` in their tokens), in the order added.
    pub groups: Vec<String>,
    /// When the user signed up (`UserCreateDate`).
    pub created_at: SystemTime,
}

impl LocalUser {
    /// `userAttributes` as Cognito passes them to triggers.
    pub fn trigger_attributes(&self) -> HashMap<String, String> {
        let mut attributes: HashMap<String, String> = self.attributes.clone().into_iter().collect();
        attributes.insert("sub".into(), self.sub.clone());
        let status = if self.confirmed {
            "CONFIRMED"
        } else {
            "UNCONFIRMED"
        };
        attributes.insert("cognito:user_status".into(), status.into());
        attributes
    }
}

/// A refresh token's grant: who, for which client, and the sign-in it continues.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub username: String,
    pub client_id: String,
    pub auth_time: i64,
    pub origin_jti: String,
    pub expires_at: SystemTime,
}

#[derive(Default)]
pub struct Pool {
    users: HashMap<String, LocalUser>,
    refresh_tokens: HashMap<String, RefreshGrant>,
    /// The pool's groups, by name (case-sensitive, as in Cognito).
    groups: BTreeSet<String>,
}

impl Pool {
    /// Every user, in username order (case-insensitive).
    pub fn users_in_order(&self) -> Vec<&LocalUser> {
        let mut users: Vec<&LocalUser> = self.users.values().collect();
        users.sort_by_key(|user| user.username.to_lowercase());
        users
    }

    pub fn user(&self, username: &str) -> Option<&LocalUser> {
        self.users.get(&username.to_lowercase())
    }

    /// A user by username (ignoring case) or by `sub`, as Cognito's admin operations accept.
    pub fn user_by_name_or_sub(&self, name: &str) -> Option<&LocalUser> {
        self.user(name)
            .or_else(|| self.users.values().find(|user| user.sub == name))
    }

    /// A user by username (ignoring case) or by `sub`, to change.
    fn user_mut(&mut self, name: &str) -> Result<&mut LocalUser, CognitoError> {
        let key = self
            .user_by_name_or_sub(name)
            .map(|user| user.username.to_lowercase())
            .ok_or_else(CognitoError::user_not_found)?;
        self.users
            .get_mut(&key)
            .ok_or_else(CognitoError::user_not_found)
    }

    /// Creates `group` (an existing group is left as it is).
    pub fn create_group(&mut self, group: &str) {
        self.groups.insert(group.to_owned());
    }

    /// `AdminAddUserToGroup`: `name` is a username or `sub`; adding twice is not an error.
    pub fn add_user_to_group(&mut self, name: &str, group: &str) -> Result<(), CognitoError> {
        if !self.groups.contains(group) {
            return Err(CognitoError::resource_not_found("Group not found."));
        }
        let user = self.user_mut(name)?;
        if !user.groups.iter().any(|known| known == group) {
            user.groups.push(group.to_owned());
        }
        Ok(())
    }

    /// `AdminUpdateUserAttributes`: `name` is a username or `sub`. As in Cognito, a new `email` or
    /// `phone_number` is unverified unless the same call says otherwise.
    pub fn update_attributes(
        &mut self,
        name: &str,
        updates: BTreeMap<String, String>,
    ) -> Result<(), CognitoError> {
        let user = self.user_mut(name)?;
        for (contact, verified) in [
            ("email", "email_verified"),
            ("phone_number", "phone_number_verified"),
        ] {
            let changed = updates
                .get(contact)
                .is_some_and(|value| user.attributes.get(contact) != Some(value));
            if changed && !updates.contains_key(verified) {
                user.attributes.insert(verified.into(), "false".into());
            }
        }
        user.attributes.extend(updates);
        Ok(())
    }

    /// Revokes every refresh token of `username` (global sign-out).
    pub fn revoke_all_refresh_tokens(&mut self, username: &str) -> usize {
        let before = self.refresh_tokens.len();
        self.refresh_tokens
            .retain(|_, grant| !grant.username.eq_ignore_ascii_case(username));
        before - self.refresh_tokens.len()
    }

    pub fn add(&mut self, user: LocalUser) -> Result<(), CognitoError> {
        let key = user.username.to_lowercase();
        if self.users.contains_key(&key) {
            return Err(CognitoError::username_exists());
        }
        self.users.insert(key, user);
        Ok(())
    }

    /// A new refresh token for `grant`.
    pub fn issue_refresh_token(&mut self, grant: RefreshGrant) -> String {
        let mut bytes = [0u8; 64];
        aws_lc_rs::rand::fill(&mut bytes)
            .unwrap_or_else(|_| panic!("the system random generator is unavailable"));
        let token = URL_SAFE_NO_PAD.encode(bytes);
        self.refresh_tokens.insert(token.clone(), grant);
        token
    }

    /// Revokes `token` if `client_id` holds it; revoking an unknown token is not an error.
    pub fn revoke_refresh_token(&mut self, token: &str, client_id: &str) {
        if self
            .refresh_tokens
            .get(token)
            .is_some_and(|grant| grant.client_id == client_id)
        {
            self.refresh_tokens.remove(token);
        }
    }

    pub fn refresh_grant(
        &self,
        token: &str,
        client_id: &str,
    ) -> Result<RefreshGrant, CognitoError> {
        match self.refresh_tokens.get(token) {
            Some(grant) if grant.client_id == client_id && grant.expires_at > SystemTime::now() => {
                Ok(grant.clone())
            }
            _ => Err(CognitoError::not_authorized("Invalid Refresh Token")),
        }
    }
}

/// `UserAttributes: [{Name, Value}]` of `AdminUpdateUserAttributes`: the sign-up schema plus the
/// two verification flags, which must be `true` or `false`.
pub fn admin_attributes(
    raw: &[serde_json::Value],
) -> Result<BTreeMap<String, String>, CognitoError> {
    let (flags, others): (Vec<_>, Vec<_>) = raw.iter().cloned().partition(|entry| {
        matches!(
            entry["Name"].as_str(),
            Some("email_verified" | "phone_number_verified")
        )
    });
    let mut attributes = sign_up_attributes(&others)?;
    for flag in flags {
        let name = flag["Name"].as_str().unwrap_or_default();
        match flag["Value"].as_str() {
            Some(value @ ("true" | "false")) => {
                attributes.insert(name.to_owned(), value.to_owned());
            }
            _ => {
                return Err(CognitoError::invalid_parameter(format!(
                    "{name} must be true or false."
                )));
            }
        }
    }
    Ok(attributes)
}

/// `UserAttributes: [{Name, Value}]` from a request, checked against the schema.
pub fn sign_up_attributes(
    raw: &[serde_json::Value],
) -> Result<BTreeMap<String, String>, CognitoError> {
    let mut attributes = BTreeMap::new();
    for entry in raw {
        let (Some(name), Some(value)) = (entry["Name"].as_str(), entry["Value"].as_str()) else {
            return Err(CognitoError::invalid_parameter(
                "Each user attribute needs a Name and a Value.",
            ));
        };
        if !STANDARD_ATTRIBUTES.contains(&name) && !name.starts_with("custom:") {
            return Err(CognitoError::invalid_parameter(format!(
                "Attributes did not conform to the schema: {name}: Attribute does not exist in the schema."
            )));
        }
        if name == "email" && !is_email(value) {
            return Err(CognitoError::invalid_parameter(
                "Invalid email address format.",
            ));
        }
        if name == "phone_number" && !is_e164(value) {
            return Err(CognitoError::invalid_parameter(
                "Invalid phone number format.",
            ));
        }
        attributes.insert(name.to_owned(), value.to_owned());
    }
    Ok(attributes)
}

/// Cognito's default password policy: 8+ characters with a lower-case letter, an upper-case
/// letter, a digit and a symbol.
pub fn check_password_policy(password: &str) -> Result<(), CognitoError> {
    let problem = if password.chars().count() < 8 {
        Some("Password not long enough")
    } else if !password.chars().any(|c| c.is_lowercase()) {
        Some("Password must have lowercase characters")
    } else if !password.chars().any(|c| c.is_uppercase()) {
        Some("Password must have uppercase characters")
    } else if !password.chars().any(|c| c.is_ascii_digit()) {
        Some("Password must have numeric characters")
    } else if !password
        .chars()
        .any(|c| c.is_ascii_punctuation() || c == ' ')
    {
        Some("Password must have symbol characters")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(CognitoError::invalid_password(format!(
            "Password did not conform with policy: {problem}"
        ))),
        None => Ok(()),
    }
}

/// A username Cognito would accept: 1–128 characters, no whitespace or control characters.
pub fn check_username(username: &str) -> Result<(), CognitoError> {
    let ok = (1..=128).contains(&username.chars().count())
        && !username
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(CognitoError::invalid_parameter(
            "1 validation error detected: Value at 'username' failed to satisfy constraint",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_default_password_policy_is_applied() {
        assert!(check_password_policy("Passw0rd!").is_ok());
        for (weak, reason) in [
            ("Pa0!", "long enough"),
            ("PASSW0RD!", "lowercase"),
            ("passw0rd!", "uppercase"),
            ("Password!", "numeric"),
            ("Passw0rdd", "symbol"),
        ] {
            let error = check_password_policy(weak).unwrap_err();
            assert_eq!(error.kind, "InvalidPasswordException");
            assert!(error.message.contains(reason), "{weak}: {error}");
        }
    }

    #[test]
    fn attributes_follow_the_schema_and_formats() {
        let ok = sign_up_attributes(&[
            json!({"Name": "email", "Value": "jo@example.com"}),
            json!({"Name": "custom:plan", "Value": "pro"}),
        ])
        .unwrap();
        assert_eq!(ok["email"], "jo@example.com");
        for bad in [
            json!({"Name": "sub", "Value": "x"}),
            json!({"Name": "email", "Value": "not-an-email"}),
            json!({"Name": "phone_number", "Value": "0123"}),
            json!({"Name": "email"}),
        ] {
            let error = sign_up_attributes(std::slice::from_ref(&bad)).unwrap_err();
            assert_eq!(error.kind, "InvalidParameterException", "{bad}");
        }
    }

    #[test]
    fn admin_updates_set_the_verification_flags_and_a_new_contact_is_unverified() {
        let mut pool = Pool::default();
        pool.add(LocalUser {
            sub: "s-1".into(),
            username: "Jo".into(),
            attributes: BTreeMap::from([
                ("email".into(), "jo@example.com".into()),
                ("email_verified".into(), "false".into()),
            ]),
            confirmed: true,
            password: PasswordVerifier::random("Pool"),
            groups: Vec::new(),
            created_at: SystemTime::now(),
        })
        .unwrap();
        let update = |pairs: &[(&str, &str)]| {
            admin_attributes(
                &pairs
                    .iter()
                    .map(|(name, value)| json!({ "Name": name, "Value": value }))
                    .collect::<Vec<_>>(),
            )
        };
        pool.update_attributes("s-1", update(&[("email_verified", "true")]).unwrap())
            .unwrap();
        assert_eq!(
            pool.user("jo").unwrap().attributes["email_verified"],
            "true"
        );
        pool.update_attributes("JO", update(&[("email", "new@example.com")]).unwrap())
            .unwrap();
        let attributes = &pool.user("jo").unwrap().attributes;
        assert_eq!(attributes["email"], "new@example.com");
        assert_eq!(attributes["email_verified"], "false");
        let bad = update(&[("email_verified", "yes")]).unwrap_err();
        assert_eq!(bad.kind, "InvalidParameterException");
        let nobody = pool.update_attributes("bob", BTreeMap::new()).unwrap_err();
        assert_eq!(nobody.kind, "UserNotFoundException");
    }

    #[test]
    fn usernames_are_unique_ignoring_case() {
        let mut pool = Pool::default();
        let user = |name: &str| LocalUser {
            sub: uuid::Uuid::new_v4().to_string(),
            username: name.into(),
            attributes: BTreeMap::new(),
            confirmed: true,
            password: PasswordVerifier::random("Pool"),
            groups: Vec::new(),
            created_at: SystemTime::now(),
        };
        pool.add(user("Alice")).unwrap();
        assert_eq!(pool.user("alice").unwrap().username, "Alice");
        let error = pool.add(user("ALICE")).unwrap_err();
        assert_eq!(error.kind, "UsernameExistsException");
    }

    #[test]
    fn users_join_existing_groups_only_and_once() {
        let mut pool = Pool::default();
        let alice = LocalUser {
            sub: uuid::Uuid::new_v4().to_string(),
            username: "Alice".into(),
            attributes: BTreeMap::new(),
            confirmed: true,
            password: PasswordVerifier::random("Pool"),
            groups: Vec::new(),
            created_at: SystemTime::now(),
        };
        let sub = alice.sub.clone();
        pool.add(alice).unwrap();
        let missing = pool.add_user_to_group("alice", "admins").unwrap_err();
        assert_eq!(missing.kind, "ResourceNotFoundException");
        pool.create_group("admins");
        pool.add_user_to_group("alice", "admins").unwrap();
        pool.add_user_to_group(&sub, "admins").unwrap();
        assert_eq!(pool.user("ALICE").unwrap().groups, ["admins"]);
        let nobody = pool.add_user_to_group("bob", "admins").unwrap_err();
        assert_eq!(nobody.kind, "UserNotFoundException");
    }
}
