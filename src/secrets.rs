//! The Authsignal secret key on Lambda: read once at cold start from AWS Secrets Manager, never
//! from a plain environment variable. `AUTHSIGNAL_SECRET_ARN` names the secret (its value is the
//! key, or JSON `{"secretKey": "..."}`); `AUTHSIGNAL_SECRET_KEY`, when set, wins, for local runs.
//!
//! Through the AWS SDK rather than the Parameters and Secrets Lambda Extension: one HTTPS call
//! with the function's role, no layer to pin per region and architecture, and the same client
//! stack the other integrations use (see the README for the cold-start and size figures).
//! Needs `secretsmanager:GetSecretValue` on that one secret.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::DisplayErrorContext;
use secrecy::{ExposeSecret, SecretString};

/// The variable naming the secret.
pub const SECRET_ARN_VARIABLE: &str = "AUTHSIGNAL_SECRET_ARN";
/// The variable holding the key itself (local use).
pub const SECRET_KEY_VARIABLE: &str = "AUTHSIGNAL_SECRET_KEY";

/// Why the secret could not be read. Never contains the secret's value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read {secret_id} from Secrets Manager: {cause}")]
    Unreadable { secret_id: String, cause: String },
    #[error("{secret_id} has no string value, or it is empty")]
    Empty { secret_id: String },
    #[error("{secret_id} is JSON without a non-empty `secretKey` member")]
    NoKeyInJson { secret_id: String },
}

/// A secret as it may be printed: its kind prefix and its last four characters (`sk_…abcd`),
/// enough to tell two keys apart, never enough to use one. Short values show nothing.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        return "…".to_owned();
    }
    let prefix = match secret.find('_') {
        Some(end) if end <= 8 => &secret[..=end],
        _ => "",
    };
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{tail}")
}

/// The key stored in `secret_id`.
pub async fn fetch(client: &Client, secret_id: &str) -> Result<SecretString, SecretError> {
    let output = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|error| SecretError::Unreadable {
            secret_id: secret_id.to_owned(),
            cause: DisplayErrorContext(&error).to_string(),
        })?;
    let value = SecretString::from(output.secret_string().unwrap_or_default().to_owned());
    parse(secret_id, &value)
}

/// The key in a secret's value: the whole (trimmed) string, or the `secretKey` member of a JSON
/// object.
fn parse(secret_id: &str, value: &SecretString) -> Result<SecretString, SecretError> {
    let text = value.expose_secret().trim();
    if text.is_empty() {
        return Err(SecretError::Empty {
            secret_id: secret_id.to_owned(),
        });
    }
    if !text.starts_with('{') {
        return Ok(SecretString::from(text.to_owned()));
    }
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
        .ok()
        .and_then(|object| {
            object
                .get("secretKey")
                .and_then(|key| key.as_str())
                .map(str::trim)
                .filter(|key| !key.is_empty())
                .map(|key| SecretString::from(key.to_owned()))
        })
        .ok_or_else(|| SecretError::NoKeyInJson {
            secret_id: secret_id.to_owned(),
        })
}

/// The process environment, with `AUTHSIGNAL_SECRET_KEY` filled from Secrets Manager when only
/// `AUTHSIGNAL_SECRET_ARN` is set. What the Lambda functions read their configuration through.
pub async fn environment() -> Result<impl Fn(&str) -> Option<String> + use<>, SecretError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let fetched = match (env(SECRET_KEY_VARIABLE), env(SECRET_ARN_VARIABLE)) {
        (None, Some(secret_id)) => {
            let client = Client::new(&crate::integrations::sdk_config().await);
            Some(fetch(&client, &secret_id).await?)
        }
        _ => None,
    };
    Ok(move |name: &str| match (name, &fetched) {
        (SECRET_KEY_VARIABLE, Some(key)) => Some(key.expose_secret().to_owned()),
        _ => env(name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(value: &str) -> Result<String, String> {
        parse("arn:secret", &SecretString::from(value.to_owned()))
            .map(|key| key.expose_secret().to_owned())
            .map_err(|error| error.to_string())
    }

    #[test]
    fn masked_secrets_show_their_kind_and_last_four_characters_only() {
        assert_eq!(mask("sk_live_0123456789abcdef"), "sk_…cdef");
        assert_eq!(mask("longsecretwithoutprefix"), "…efix");
        assert_eq!(mask("short_key"), "…");
        assert_eq!(mask(""), "…");
    }

    #[test]
    fn a_secret_is_the_key_or_json_with_secret_key() {
        assert_eq!(key(" sk_live_abc \n").unwrap(), "sk_live_abc");
        assert_eq!(
            key(r#"{"secretKey": "sk_live_abc"}"#).unwrap(),
            "sk_live_abc"
        );
        for bad in [
            "",
            "   ",
            "{}",
            r#"{"secretKey": ""}"#,
            r#"{"key": "sk"}"#,
            "{not json",
        ] {
            let error = key(bad).unwrap_err();
            assert!(error.contains("arn:secret"), "{error}");
        }
        let error = key(r#"{"other": "sk_live_secret_value"}"#).unwrap_err();
        assert!(!error.contains("sk_live_secret_value"), "{error}");
    }
}
