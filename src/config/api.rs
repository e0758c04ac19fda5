//! Policy of the authenticator-management API: admin group, recent sign-in, redirect
//! allow-list, CORS, and the Authsignal actions it tracks.

use std::time::Duration;

use url::Url;

use super::{ActionsConfig, Problems, bounded, non_empty, report, split_list};

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
    /// The Authsignal action of each kind of token the API issues or accepts.
    pub actions: ActionsConfig,
    /// `PASSKEY_RP_ID`: the relying-party id the tenant's passkeys are bound to (the domain
    /// set in Authsignal). With it, authenticator lists tell the browser which passkeys are
    /// still accepted (WebAuthn's Signal API); without it they leave that out.
    pub passkey_rp_id: Option<String>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            admin_group: "authenticator-admins".into(),
            recent_auth_max_age: Duration::from_secs(900),
            settings_redirect_allowlist: Vec::new(),
            cors_allowed_origins: Vec::new(),
            actions: ActionsConfig::default(),
            passkey_rp_id: None,
        }
    }
}

impl ApiConfig {
    /// Reads the API policy variables through `lookup`, adding any problems to `problems`.
    pub fn read(lookup: &impl Fn(&str) -> Option<String>, problems: &mut Problems) -> Option<Self> {
        let defaults = ApiConfig::default();
        let mut problem =
            |variable: &'static str, message: String| report(problems, variable, message);
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
        let passkey_rp_id = non_empty(lookup("PASSKEY_RP_ID"));
        if let Some(rp_id) = passkey_rp_id.as_deref().filter(|id| !is_rp_id(id)) {
            problem(
                "PASSKEY_RP_ID",
                format!("`{rp_id}` is not a domain (lower-case, no scheme, port or path)"),
            );
        }
        let actions = ActionsConfig::read(lookup, problems);
        Some(ApiConfig {
            admin_group,
            recent_auth_max_age: recent_auth_max_age?,
            settings_redirect_allowlist: allowlist,
            cors_allowed_origins: origins,
            actions,
            passkey_rp_id,
        })
    }
}

/// A WebAuthn relying-party id: a domain such as `example.com` or `localhost`.
fn is_rp_id(id: &str) -> bool {
    id.len() <= 253
        && id.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::config;

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
            ("PASSKEY_RP_ID", "example.com"),
        ]);
        let api = config(&vars).unwrap().api;
        assert_eq!(api.admin_group, "helpdesk");
        assert_eq!(api.recent_auth_max_age, Duration::from_secs(300));
        assert_eq!(api.settings_redirect_allowlist.len(), 2);
        assert_eq!(
            api.cors_allowed_origins,
            vec!["https://app.example.com", "http://localhost:5173"]
        );
        assert_eq!(api.actions.enrollment, "enrollMfa");
        assert_eq!(api.passkey_rp_id.as_deref(), Some("example.com"));
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
            ("PASSKEY_RP_ID", "https://Example.com"),
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
                "PASSKEY_RP_ID",
                "AUTHSIGNAL_ENROLLMENT_ACTION",
            ]
        );
    }
}
