//! How to reach the Authsignal Server API: region URL, secret key, timeouts.

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use super::{Problems, bounded, check_url, non_empty, report};

/// How to reach the Authsignal Server API.
#[derive(Debug, Clone)]
pub struct AuthsignalConfig {
    /// Region base URL, normalised to end in `/v1` without a trailing slash.
    pub api_url: Url,
    /// Server API secret key. `Debug` prints `[REDACTED]`.
    pub secret_key: SecretString,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Budget for one call, every retry and backoff included.
    pub total_timeout: Duration,
}

/// US (Oregon), Authsignal's default region.
pub const DEFAULT_AUTHSIGNAL_API_URL: &str = "https://api.authsignal.com/v1";
/// Defaults leave room inside Cognito's 5 s trigger limit for a cold start.
pub const DEFAULT_AUTHSIGNAL_CONNECT_TIMEOUT: Duration = Duration::from_millis(1_000);
pub const DEFAULT_AUTHSIGNAL_TIMEOUT: Duration = Duration::from_millis(3_000);

impl AuthsignalConfig {
    /// A configuration with the default timeouts.
    pub fn new(api_url: &str, secret_key: SecretString) -> Result<Self, String> {
        Ok(AuthsignalConfig {
            api_url: normalise_authsignal_url(api_url)?,
            secret_key,
            connect_timeout: DEFAULT_AUTHSIGNAL_CONNECT_TIMEOUT,
            total_timeout: DEFAULT_AUTHSIGNAL_TIMEOUT,
        })
    }

    pub fn read(lookup: &impl Fn(&str) -> Option<String>, problems: &mut Problems) -> Option<Self> {
        let mut problem =
            |variable: &'static str, message: String| report(problems, variable, message);
        let api_url = non_empty(lookup("AUTHSIGNAL_API_URL"))
            .unwrap_or_else(|| DEFAULT_AUTHSIGNAL_API_URL.to_owned());
        let api_url = normalise_authsignal_url(&api_url)
            .map_err(|message| problem("AUTHSIGNAL_API_URL", message))
            .ok();
        // The value is never echoed: it is a secret.
        let secret_key = non_empty(lookup("AUTHSIGNAL_SECRET_KEY"));
        if secret_key.is_none() {
            problem(
                "AUTHSIGNAL_SECRET_KEY",
                "is required (the Server API secret key; on Lambda, set AUTHSIGNAL_SECRET_ARN to \
                 read it from Secrets Manager instead)"
                    .into(),
            );
        }
        let mut millis = |variable: &'static str, default: Duration, range| {
            bounded(
                lookup(variable),
                default.as_millis() as u64,
                range,
                "milliseconds",
            )
            .map_err(|message| problem(variable, message))
            .ok()
            .map(Duration::from_millis)
        };
        let connect_timeout = millis(
            "AUTHSIGNAL_CONNECT_TIMEOUT_MS",
            DEFAULT_AUTHSIGNAL_CONNECT_TIMEOUT,
            50..=10_000,
        );
        let total_timeout = millis(
            "AUTHSIGNAL_TIMEOUT_MS",
            DEFAULT_AUTHSIGNAL_TIMEOUT,
            100..=30_000,
        );
        Some(AuthsignalConfig {
            api_url: api_url?,
            secret_key: SecretString::from(secret_key?),
            connect_timeout: connect_timeout?,
            total_timeout: total_timeout?,
        })
    }
}

/// Accepts a region base URL with or without `/v1` and a trailing slash; `https://` unless
/// the host is loopback (the local emulator).
pub fn normalise_authsignal_url(raw: &str) -> Result<Url, String> {
    check_url(raw)?;
    let mut url = Url::parse(raw.trim()).map_err(|_| "is not a valid URL".to_owned())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    let path = url.path().trim_end_matches('/').to_owned();
    let path = if path.ends_with("/v1") {
        path
    } else {
        format!("{path}/v1")
    };
    url.set_path(&path);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigError;
    use crate::config::tests::config;

    #[test]
    fn the_secret_key_never_appears_in_debug_or_errors() {
        let config = config(&[
            ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
            ("COGNITO_CLIENT_IDS", "abc"),
            ("AUTHSIGNAL_SECRET_KEY", "super-secret-value"),
        ])
        .unwrap();
        assert!(!format!("{config:?}").contains("super-secret-value"));
        let err = config_error_with_secret();
        assert!(!err.to_string().contains("super-secret-value"));
        assert!(!format!("{err:?}").contains("super-secret-value"));
    }

    fn config_error_with_secret() -> ConfigError {
        config(&[("AUTHSIGNAL_SECRET_KEY", "super-secret-value")]).unwrap_err()
    }

    #[test]
    fn authsignal_defaults_and_timeouts() {
        let authsignal = config(&[
            ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
            ("COGNITO_CLIENT_IDS", "abc"),
        ])
        .unwrap()
        .authsignal;
        assert_eq!(authsignal.api_url.as_str(), "https://api.authsignal.com/v1");
        assert_eq!(authsignal.connect_timeout, Duration::from_secs(1));
        assert_eq!(authsignal.total_timeout, Duration::from_secs(3));
        let tuned = config(&[
            ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
            ("COGNITO_CLIENT_IDS", "abc"),
            ("AUTHSIGNAL_API_URL", "https://eu.api.authsignal.com"),
            ("AUTHSIGNAL_CONNECT_TIMEOUT_MS", "250"),
            ("AUTHSIGNAL_TIMEOUT_MS", "1500"),
        ])
        .unwrap()
        .authsignal;
        assert_eq!(tuned.api_url.as_str(), "https://eu.api.authsignal.com/v1");
        assert_eq!(tuned.connect_timeout, Duration::from_millis(250));
        assert_eq!(tuned.total_timeout, Duration::from_millis(1500));
    }

    #[test]
    fn authsignal_urls_are_normalised_to_v1() {
        for (raw, expected) in [
            (
                "https://api.authsignal.com/v1",
                "https://api.authsignal.com/v1",
            ),
            (
                "https://api.authsignal.com/v1/",
                "https://api.authsignal.com/v1",
            ),
            (
                "https://au.api.authsignal.com",
                "https://au.api.authsignal.com/v1",
            ),
            (
                "https://eu.api.authsignal.com/",
                "https://eu.api.authsignal.com/v1",
            ),
            (
                "https://ca.api.authsignal.com/v1",
                "https://ca.api.authsignal.com/v1",
            ),
            (
                "http://127.0.0.1:3000/local/authsignal",
                "http://127.0.0.1:3000/local/authsignal/v1",
            ),
        ] {
            assert_eq!(
                normalise_authsignal_url(raw).unwrap().as_str(),
                expected,
                "{raw}"
            );
        }
        for bad in [
            "http://api.authsignal.com/v1",
            "https://user:pass@api.authsignal.com/v1",
            "https://api.authsignal.com/v1?x=1",
            "api.authsignal.com",
        ] {
            assert!(normalise_authsignal_url(bad).is_err(), "{bad}");
        }
    }
}
