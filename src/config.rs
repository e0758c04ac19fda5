//! Typed configuration, read from the environment once at start-up.
//!
//! Every problem is collected and reported together, so a deployment is fixed in one pass.
//! Values of secret variables never appear in errors or `Debug` output.

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

/// Everything the service needs to know, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub cognito: CognitoConfig,
    pub authsignal: AuthsignalConfig,
    pub api: ApiConfig,
}

/// Policy of the authenticator-management API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// Cognito group whose members may use `/v1/admin/...`.
    pub admin_group: String,
    /// How recent `auth_time` must be for sensitive operations without a step-up.
    pub recent_auth_max_age: Duration,
    /// Where the pre-built UI may send users back to (scheme + host + port, path prefix).
    pub settings_redirect_allowlist: Vec<Url>,
    /// Browser origins allowed by CORS; empty means no CORS headers at all.
    pub cors_allowed_origins: Vec<String>,
    /// Authsignal action tracked when issuing an enrollment token.
    pub enrollment_action: String,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            admin_group: "authenticator-admins".into(),
            recent_auth_max_age: Duration::from_secs(900),
            settings_redirect_allowlist: Vec::new(),
            cors_allowed_origins: Vec::new(),
            enrollment_action: "addAuthenticator".into(),
        }
    }
}

impl ApiConfig {
    /// Reads the API policy variables through `lookup`, adding any problems to `problems`.
    pub fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Self> {
        let defaults = ApiConfig::default();
        let mut problem = |variable: &'static str, message: String| {
            problems.push(ConfigProblem { variable, message });
        };
        let admin_group = non_empty(lookup("ADMIN_GROUP")).unwrap_or(defaults.admin_group);
        let recent_auth_max_age = bounded(
            lookup("RECENT_AUTH_MAX_AGE_SECONDS"),
            defaults.recent_auth_max_age.as_secs(),
            1..=86_400,
            "seconds",
        )
        .map_err(|message| problem("RECENT_AUTH_MAX_AGE_SECONDS", message))
        .ok()
        .map(Duration::from_secs);
        let mut allowlist = Vec::new();
        for entry in split_list(lookup("SETTINGS_REDIRECT_ALLOWLIST")) {
            match parse_redirect_base(&entry) {
                Ok(url) => allowlist.push(url),
                Err(message) => problem(
                    "SETTINGS_REDIRECT_ALLOWLIST",
                    format!("`{entry}` {message}"),
                ),
            }
        }
        let mut origins = Vec::new();
        for entry in split_list(lookup("CORS_ALLOWED_ORIGINS")) {
            match parse_origin(&entry) {
                Ok(origin) => origins.push(origin),
                Err(message) => problem("CORS_ALLOWED_ORIGINS", format!("`{entry}` {message}")),
            }
        }
        let enrollment_action =
            non_empty(lookup("AUTHSIGNAL_ENROLLMENT_ACTION")).unwrap_or(defaults.enrollment_action);
        if !is_action_code(&enrollment_action) {
            problem(
                "AUTHSIGNAL_ENROLLMENT_ACTION",
                "must match ^[a-zA-Z0-9_-]{1,64}$ (Authsignal's rule for action codes)".into(),
            );
        }
        Some(ApiConfig {
            admin_group,
            recent_auth_max_age: recent_auth_max_age?,
            settings_redirect_allowlist: allowlist,
            cors_allowed_origins: origins,
            enrollment_action,
        })
    }
}

/// `^[a-zA-Z0-9_-]{1,64}$`, Authsignal's rule for action codes.
pub fn is_action_code(action: &str) -> bool {
    (1..=64).contains(&action.len())
        && action
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An allow-list entry: an absolute http(s) URL without credentials, query or fragment.
pub fn parse_redirect_base(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|_| "is not a valid URL".to_owned())?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err("must be an http(s) URL with a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    Ok(url)
}

/// `scheme://host[:port]`, exactly as browsers send `Origin`; `*` is refused.
fn parse_origin(raw: &str) -> Result<String, String> {
    let url = Url::parse(raw).map_err(|_| "is not an origin (scheme://host[:port])".to_owned())?;
    let origin = url.origin().ascii_serialization();
    if !matches!(url.scheme(), "https" | "http") || origin != raw.trim_end_matches('/') {
        return Err("must be exactly scheme://host[:port], no path, no wildcard".into());
    }
    Ok(origin)
}

/// Which Cognito access tokens the service accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoConfig {
    /// The user pool id, e.g. `eu-west-1_AbC123xyz`.
    pub user_pool_id: String,
    /// The AWS region taken from the pool id's prefix.
    pub region: String,
    /// App client ids whose access tokens are accepted (`client_id` claim).
    pub client_ids: Vec<String>,
    /// Accepted `iss` values, exactly.
    pub issuers: Vec<String>,
    /// Where the pool's signing keys are published. Always from config, never from a token.
    pub jwks_url: String,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    pub leeway: Duration,
}

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

    fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Self> {
        let mut problem = |variable: &'static str, message: String| {
            problems.push(ConfigProblem { variable, message });
        };
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
                "is required (the Server API secret key)".into(),
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

/// The largest clock-skew allowance accepted; more would make expiry meaningless.
const MAX_LEEWAY_SECONDS: u64 = 300;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let cognito = CognitoConfig::from_lookup(&lookup, &mut problems);
        let authsignal = AuthsignalConfig::from_lookup(&lookup, &mut problems);
        let api = ApiConfig::from_lookup(&lookup, &mut problems);
        match (cognito, authsignal, api) {
            (Some(cognito), Some(authsignal), Some(api)) if problems.is_empty() => Ok(Config {
                cognito,
                authsignal,
                api,
            }),
            _ => Err(ConfigError { problems }),
        }
    }
}

impl CognitoConfig {
    /// A configuration for `user_pool_id` with the documented defaults for everything else.
    pub fn for_pool(user_pool_id: &str, client_ids: Vec<String>) -> Result<Self, ConfigError> {
        let pool = parse_user_pool_id(user_pool_id).map_err(|message| ConfigError {
            problems: vec![ConfigProblem {
                variable: "COGNITO_USER_POOL_ID",
                message,
            }],
        })?;
        Ok(CognitoConfig {
            issuers: pool.default_issuers(),
            jwks_url: pool.default_jwks_url(),
            user_pool_id: pool.id,
            region: pool.region,
            client_ids,
            leeway: Duration::ZERO,
        })
    }

    fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Self> {
        let mut problem = |variable: &'static str, message: String| {
            problems.push(ConfigProblem { variable, message });
        };

        let pool = match non_empty(lookup("COGNITO_USER_POOL_ID")) {
            None => {
                problem(
                    "COGNITO_USER_POOL_ID",
                    "is required (e.g. eu-west-1_AbC123xyz)".into(),
                );
                None
            }
            Some(raw) => parse_user_pool_id(&raw)
                .map_err(|message| problem("COGNITO_USER_POOL_ID", message))
                .ok(),
        };

        let client_ids = split_list(lookup("COGNITO_CLIENT_IDS"));
        if client_ids.is_empty() {
            problem(
                "COGNITO_CLIENT_IDS",
                "is required: a comma-separated list of app client ids".into(),
            );
        }

        let issuers = split_list(lookup("COGNITO_ISSUERS"));
        for issuer in &issuers {
            if let Err(message) = check_url(issuer) {
                problem("COGNITO_ISSUERS", format!("`{issuer}` {message}"));
            }
        }

        let jwks_url = non_empty(lookup("COGNITO_JWKS_URL"));
        if let Some(url) = &jwks_url
            && let Err(message) = check_url(url)
        {
            problem("COGNITO_JWKS_URL", message);
        }

        let leeway = bounded(
            lookup("JWT_LEEWAY_SECONDS"),
            0,
            0..=MAX_LEEWAY_SECONDS,
            "seconds",
        )
        .map_err(|message| problem("JWT_LEEWAY_SECONDS", message))
        .ok()
        .map(Duration::from_secs);

        let pool = pool?;
        Some(CognitoConfig {
            issuers: if issuers.is_empty() {
                pool.default_issuers()
            } else {
                issuers
            },
            jwks_url: jwks_url.unwrap_or_else(|| pool.default_jwks_url()),
            user_pool_id: pool.id,
            region: pool.region,
            client_ids,
            leeway: leeway?,
        })
    }
}

struct UserPool {
    id: String,
    region: String,
}

impl UserPool {
    /// Cognito signs with the original issuer format, or the newer `issuer-cognito-idp` one
    /// once a pool switches; both are accepted unless `COGNITO_ISSUERS` narrows it.
    fn default_issuers(&self) -> Vec<String> {
        vec![
            format!(
                "https://cognito-idp.{}.amazonaws.com/{}",
                self.region, self.id
            ),
            format!(
                "https://issuer-cognito-idp.{}.amazonaws.com/{}",
                self.region, self.id
            ),
        ]
    }

    fn default_jwks_url(&self) -> String {
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}/.well-known/jwks.json",
            self.region, self.id
        )
    }
}

/// `{region}_{id}`. The region is checked strictly (it becomes part of a URL); the id part
/// only for its alphabet, because emulators use longer ids than AWS.
fn parse_user_pool_id(raw: &str) -> Result<UserPool, String> {
    let Some((region, id)) = raw.split_once('_') else {
        return Err(format!(
            "`{raw}` has no region prefix (expected e.g. eu-west-1_AbC123xyz)"
        ));
    };
    if !is_region(region) {
        return Err(format!("`{region}` is not an AWS region name"));
    }
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!(
            "`{id}` is not a user pool id (letters and digits after the `_`)"
        ));
    }
    Ok(UserPool {
        id: raw.to_owned(),
        region: region.to_owned(),
    })
}

/// `xx-name-N` or `xx-gov-name-N`, as Cognito region names are.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let (country, names, number) = match parts.as_slice() {
        [country, name, number] => (country, vec![*name], number),
        [country, "gov", name, number] => (country, vec!["gov", *name], number),
        _ => return false,
    };
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_lowercase())
        && names
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase()))
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
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
fn bounded(
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

fn non_empty(value: Option<String>) -> Option<String> {
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
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        // Tests that are not about the secret get one; `<unset>` removes a variable.
        map.entry("AUTHSIGNAL_SECRET_KEY".into())
            .or_insert_with(|| "test-secret".into());
        map.retain(|_, v| v != "<unset>");
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_are_derived_from_the_pool_id() {
        let config = config(&[
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123xyz"),
            ("COGNITO_CLIENT_IDS", " one , two ,"),
        ])
        .unwrap();
        let cognito = config.cognito;
        assert_eq!(cognito.region, "eu-west-1");
        assert_eq!(cognito.client_ids, vec!["one", "two"]);
        assert_eq!(
            cognito.issuers,
            vec![
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz",
                "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz",
            ]
        );
        assert_eq!(
            cognito.jwks_url,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz/.well-known/jwks.json"
        );
        assert_eq!(cognito.leeway, Duration::ZERO);
    }

    #[test]
    fn explicit_issuers_jwks_url_and_leeway_override_the_defaults() {
        let cognito = config(&[
            (
                "COGNITO_USER_POOL_ID",
                "us-gov-west-1_94e7945bf6b54361ae4db3721e79c9be",
            ),
            ("COGNITO_CLIENT_IDS", "abc"),
            ("COGNITO_ISSUERS", "https://issuer.example/pool"),
            (
                "COGNITO_JWKS_URL",
                "http://127.0.0.1:5055/pool/.well-known/jwks.json",
            ),
            ("JWT_LEEWAY_SECONDS", "5"),
        ])
        .unwrap()
        .cognito;
        assert_eq!(cognito.region, "us-gov-west-1");
        assert_eq!(cognito.issuers, vec!["https://issuer.example/pool"]);
        assert_eq!(
            cognito.jwks_url,
            "http://127.0.0.1:5055/pool/.well-known/jwks.json"
        );
        assert_eq!(cognito.leeway, Duration::from_secs(5));
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

    #[test]
    fn api_policy_defaults_and_overrides() {
        let base = [
            ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
            ("COGNITO_CLIENT_IDS", "abc"),
        ];
        assert_eq!(config(&base).unwrap().api, ApiConfig::default());
        let mut vars = base.to_vec();
        vars.extend([
            ("ADMIN_GROUP", "helpdesk"),
            ("RECENT_AUTH_MAX_AGE_SECONDS", "300"),
            (
                "SETTINGS_REDIRECT_ALLOWLIST",
                "https://app.example.com/settings, http://localhost:5173/",
            ),
            (
                "CORS_ALLOWED_ORIGINS",
                "https://app.example.com,http://localhost:5173",
            ),
            ("AUTHSIGNAL_ENROLLMENT_ACTION", "enrollMfa"),
        ]);
        let api = config(&vars).unwrap().api;
        assert_eq!(api.admin_group, "helpdesk");
        assert_eq!(api.recent_auth_max_age, Duration::from_secs(300));
        assert_eq!(api.settings_redirect_allowlist.len(), 2);
        assert_eq!(
            api.cors_allowed_origins,
            vec!["https://app.example.com", "http://localhost:5173"]
        );
        assert_eq!(api.enrollment_action, "enrollMfa");
    }

    #[test]
    fn api_policy_problems_are_reported() {
        let err = config(&[
            ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
            ("COGNITO_CLIENT_IDS", "abc"),
            ("RECENT_AUTH_MAX_AGE_SECONDS", "0"),
            (
                "SETTINGS_REDIRECT_ALLOWLIST",
                "https://user:pw@app.example.com/,javascript:alert(1)",
            ),
            ("CORS_ALLOWED_ORIGINS", "*,https://app.example.com/path"),
            ("AUTHSIGNAL_ENROLLMENT_ACTION", "add authenticator"),
        ])
        .unwrap_err();
        let variables: Vec<&str> = err.problems.iter().map(|p| p.variable).collect();
        assert_eq!(
            variables,
            vec![
                "RECENT_AUTH_MAX_AGE_SECONDS",
                "SETTINGS_REDIRECT_ALLOWLIST",
                "SETTINGS_REDIRECT_ALLOWLIST",
                "CORS_ALLOWED_ORIGINS",
                "CORS_ALLOWED_ORIGINS",
                "AUTHSIGNAL_ENROLLMENT_ACTION",
            ]
        );
    }

    #[test]
    fn missing_pool_id_is_reported() {
        let err = config(&[("COGNITO_CLIENT_IDS", "abc")]).unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert_eq!(err.problems[0].variable, "COGNITO_USER_POOL_ID");
    }

    #[test]
    fn pool_ids_are_checked_for_region_and_alphabet() {
        for bad in [
            "eu-west-1",
            "EU-west-1_abc",
            "eu-west_abc",
            "eu-west-1_",
            "eu-west-1_a/b",
            "eu-west-1_a_b",
        ] {
            assert!(parse_user_pool_id(bad).is_err(), "{bad} should be rejected");
        }
        for good in [
            "eu-west-1_AbC123xyz",
            "ap-southeast-2_x",
            "us-gov-east-1_ABC",
        ] {
            assert!(
                parse_user_pool_id(good).is_ok(),
                "{good} should be accepted"
            );
        }
    }

    #[test]
    fn leeway_is_bounded() {
        let err = config(&[
            ("COGNITO_USER_POOL_ID", "eu-west-1_abc"),
            ("COGNITO_CLIENT_IDS", "abc"),
            ("JWT_LEEWAY_SECONDS", "301"),
        ])
        .unwrap_err();
        assert_eq!(err.problems[0].variable, "JWT_LEEWAY_SECONDS");
    }

    #[test]
    fn plain_http_is_only_allowed_for_loopback() {
        assert!(check_url("https://cognito-idp.eu-west-1.amazonaws.com/x").is_ok());
        assert!(check_url("http://localhost:3000/x").is_ok());
        assert!(check_url("http://127.0.0.1:3000/x").is_ok());
        assert!(check_url("http://[::1]:3000/x").is_ok());
        assert!(check_url("http://example.com/x").is_err());
        assert!(check_url("ftp://127.0.0.1/x").is_err());
        assert!(check_url("not a url").is_err());
    }
}
