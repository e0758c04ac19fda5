//! Typed configuration, read from the environment once at start-up.
//!
//! Every problem is collected and reported together, so a deployment is fixed in one pass. Two
//! shapes of reader: a whole configuration (`Config`, `TriggerConfig`, `ServerConfig`, and the
//! app's `Settings`) has `from_lookup(lookup) -> Result<Self, ConfigError>` and `from_env()`; a
//! section of one has `read(&lookup, &mut problems) -> Option<Self>`, reporting through
//! [`report`].
//! Values of secret variables never appear in errors or `Debug` output. One file per concern:
//! Cognito tokens, the Authsignal connection, the HTTP API's policy, Authsignal action codes,
//! and the sign-in triggers.

mod actions;
mod api;
mod authsignal;
mod cognito;
mod integrations;
mod notices;
mod server;
mod sign_in;

use std::fmt;

pub use actions::ActionsConfig;
pub use api::{ApiConfig, parse_redirect_base};
pub use authsignal::{
    AuthsignalConfig, DEFAULT_AUTHSIGNAL_API_URL, DEFAULT_AUTHSIGNAL_CONNECT_TIMEOUT,
    DEFAULT_AUTHSIGNAL_TIMEOUT, normalise_authsignal_url,
};
pub use cognito::{CognitoConfig, MAX_LEEWAY_SECONDS};
pub use integrations::{DEFAULT_EVENT_SOURCE, IntegrationsConfig};
pub use notices::NoticeConfig;
pub use server::ServerConfig;
pub use sign_in::{ChallengeUi, SignInConfig, SignInMode, TriggerConfig};

/// Everything the HTTP API needs to know, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub cognito: CognitoConfig,
    pub authsignal: AuthsignalConfig,
    pub api: ApiConfig,
    pub integrations: IntegrationsConfig,
}

/// One bad or missing variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub variable: &'static str,
    pub message: String,
}

/// All the problems found in one read of the environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "invalid configuration ({} problem(s)):",
            self.problems.len()
        )?;
        for problem in &self.problems {
            writeln!(f, "  - {}: {}", problem.variable, problem.message)?;
        }
        Ok(())
    }
}

/// Where the problems of one read are collected.
pub type Problems = Vec<ConfigProblem>;

/// Records one problem with `variable`; readers of settings outside this module (the CLI's `dev`)
/// use it too, so every setting is reported the same way.
pub fn report(problems: &mut Problems, variable: &'static str, message: impl Into<String>) {
    problems.push(ConfigProblem {
        variable,
        message: message.into(),
    });
}

/// A whole configuration read as part of a larger one: its value, or its problems added to
/// `problems`.
pub fn collect<T>(read: Result<T, ConfigError>, problems: &mut Problems) -> Option<T> {
    read.map_err(|error| problems.extend(error.problems)).ok()
}

/// `Ok(value)` when nothing was reported, else every problem.
pub fn finish<T>(value: Option<T>, problems: Problems) -> Result<T, ConfigError> {
    match value {
        Some(value) if problems.is_empty() => Ok(value),
        _ => Err(ConfigError { problems }),
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let cognito = CognitoConfig::read(&lookup, &mut problems);
        let authsignal = AuthsignalConfig::read(&lookup, &mut problems);
        let api = ApiConfig::read(&lookup, &mut problems);
        let integrations = IntegrationsConfig::read(&lookup, &mut problems);
        let config = match (cognito, authsignal, api) {
            (Some(cognito), Some(authsignal), Some(api)) => Some(Config {
                cognito,
                authsignal,
                api,
                integrations,
            }),
            _ => None,
        };
        finish(config, problems)
    }
}

/// `^[a-zA-Z0-9_-]{1,64}$`, Authsignal's rule for action codes.
pub fn is_action_code(action: &str) -> bool {
    (1..=64).contains(&action.len())
        && action
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Accepts `https://…`, or `http://` only for a loopback host (local emulators).
pub(crate) fn check_url(raw: &str) -> Result<(), String> {
    let url = url::Url::parse(raw).map_err(|_| "is not a valid URL".to_owned())?;
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err("must be an https:// URL (http:// is allowed only for loopback hosts)".into()),
    }
}

/// A whole number within `range` (`default` when unset), or what was expected instead.
pub(crate) fn bounded(
    raw: Option<String>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    unit: &str,
) -> Result<u64, String> {
    match non_empty(raw) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<u64>()
            .ok()
            .filter(|value| range.contains(value))
            .ok_or_else(|| format!("must be {unit} from {} to {}", range.start(), range.end())),
    }
}

/// `true` or `false` (`default` when unset).
pub fn boolean(raw: Option<String>, default: bool) -> Result<bool, String> {
    match non_empty(raw).as_deref() {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err("must be `true` or `false`".into()),
    }
}

/// A set, non-blank value, trimmed.
pub fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

pub(crate) fn split_list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashMap;

    /// A lookup over `vars`; `<unset>` removes a variable.
    pub fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.retain(|_, v| v != "<unset>");
        move |name| map.get(name).cloned()
    }

    /// The whole HTTP API configuration from `vars`. Tests that are not about the secret get one.
    pub fn config(vars: &[(&str, &str)]) -> Result<super::Config, super::ConfigError> {
        let mut vars = vars.to_vec();
        if !vars
            .iter()
            .any(|(name, _)| *name == "AUTHSIGNAL_SECRET_KEY")
        {
            vars.push(("AUTHSIGNAL_SECRET_KEY", "test-secret"));
        }
        super::Config::from_lookup(lookup(&vars))
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = config(&[
            ("COGNITO_USER_POOL_ID", "nowhere_abc"),
            ("COGNITO_JWKS_URL", "http://jwks.example/keys"),
            ("JWT_LEEWAY_SECONDS", "-1"),
            ("AUTHSIGNAL_SECRET_KEY", "<unset>"),
            ("AUTHSIGNAL_API_URL", "http://api.authsignal.com/v1"),
            ("AUTHSIGNAL_TIMEOUT_MS", "99999999"),
        ])
        .unwrap_err();
        let variables: Vec<&str> = err.problems.iter().map(|p| p.variable).collect();
        assert_eq!(
            variables,
            vec![
                "COGNITO_USER_POOL_ID",
                "COGNITO_CLIENT_IDS",
                "COGNITO_JWKS_URL",
                "JWT_LEEWAY_SECONDS",
                "AUTHSIGNAL_API_URL",
                "AUTHSIGNAL_SECRET_KEY",
                "AUTHSIGNAL_TIMEOUT_MS",
            ]
        );
        let text = err.to_string();
        assert!(text.contains("7 problem(s)"), "{text}");
    }

    #[test]
    fn plain_http_is_only_allowed_for_loopback() {
        use super::check_url;
        assert!(check_url("https://cognito-idp.eu-west-1.amazonaws.com/x").is_ok());
        assert!(check_url("http://localhost:3000/x").is_ok());
        assert!(check_url("http://127.0.0.1:3000/x").is_ok());
        assert!(check_url("http://[::1]:3000/x").is_ok());
        assert!(check_url("http://example.com/x").is_err());
        assert!(check_url("ftp://127.0.0.1/x").is_err());
        assert!(check_url("not a url").is_err());
    }

    #[test]
    fn action_codes_follow_authsignals_rule() {
        use super::is_action_code;
        assert!(is_action_code("add-Authenticator_2"));
        assert!(!is_action_code("a b"));
        assert!(!is_action_code(""));
        assert!(!is_action_code(&"a".repeat(65)));
    }

    #[test]
    fn booleans_are_strict() {
        use super::boolean;
        assert_eq!(boolean(None, false), Ok(false));
        assert_eq!(boolean(Some("true".into()), false), Ok(true));
        assert_eq!(boolean(Some(" false ".into()), true), Ok(false));
        assert!(boolean(Some("yes".into()), false).is_err());
    }
}
