//! The settings-URL `redirectUrl` allow-list: exact scheme, host and port, and a path under an
//! allowed prefix. Anything ambiguous is refused rather than normalised.

use url::Url;

use super::problem::ApiError;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedirectAllowlist(Vec<Url>);

/// Encodings that could turn into `.`, `/`, `\` or NUL after a later decode.
const ENCODED_TRICKS: [&str; 4] = ["%2e", "%2f", "%5c", "%00"];

impl RedirectAllowlist {
    pub fn new(entries: Vec<Url>) -> Self {
        RedirectAllowlist(entries)
    }

    /// The URL, if it is allowed.
    pub fn check(&self, raw: &str) -> Result<Url, ApiError> {
        let lowered = raw.to_ascii_lowercase();
        let suspicious = raw.len() > 2048
            || raw
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
            || ENCODED_TRICKS.iter().any(|trick| lowered.contains(trick))
            || !(lowered.starts_with("https://") || lowered.starts_with("http://"));
        if suspicious {
            return Err(ApiError::InvalidRedirectUrl);
        }
        let url = Url::parse(raw).map_err(|_| ApiError::InvalidRedirectUrl)?;
        if !url.username().is_empty()
            || url.password().is_some()
            || url.fragment().is_some()
            || url.path().contains("//")
        {
            return Err(ApiError::InvalidRedirectUrl);
        }
        self.0
            .iter()
            .any(|allowed| same_origin(allowed, &url) && under_path(allowed.path(), url.path()))
            .then_some(url)
            .ok_or(ApiError::InvalidRedirectUrl)
    }
}

fn same_origin(allowed: &Url, url: &Url) -> bool {
    allowed.scheme() == url.scheme()
        && allowed.host_str() == url.host_str()
        && allowed.port_or_known_default() == url.port_or_known_default()
}

/// `/settings` allows `/settings` and `/settings/…`, not `/settingsevil`.
fn under_path(prefix: &str, path: &str) -> bool {
    if prefix.ends_with('/') {
        return path.starts_with(prefix) || path == prefix.trim_end_matches('/');
    }
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowlist() -> RedirectAllowlist {
        RedirectAllowlist::new(vec![
            Url::parse("https://app.example.com/settings").unwrap(),
            Url::parse("http://localhost:5173/").unwrap(),
        ])
    }

    #[test]
    fn allowed_urls_pass() {
        for good in [
            "https://app.example.com/settings",
            "https://app.example.com/settings/security?tab=mfa",
            "https://app.example.com:443/settings",
            "HTTPS://APP.EXAMPLE.COM/settings",
            "http://localhost:5173/",
            "http://localhost:5173/account/security",
        ] {
            assert!(allowlist().check(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn tricks_are_refused() {
        for bad in [
            "https://evil.com/settings",
            "https://app.example.com.evil.com/settings",
            "https://app.example.com@evil.com/settings",
            "https://user:pw@app.example.com/settings",
            "https://app.example.com/settingsevil",
            "https://app.example.com/other",
            "https://app.example.com/settings/../admin",
            "https://app.example.com/settings/%2e%2e/admin",
            "https://app.example.com/settings%2F..%2Fadmin",
            "https://app.example.com/settings//evil.com",
            "https://app.example.com\\@evil.com/settings",
            "https://app.example.com/settings\\..\\admin",
            "http://app.example.com/settings",
            "https://app.example.com:8443/settings",
            "//evil.com/settings",
            "/settings",
            "javascript:alert(1)//https://app.example.com/settings",
            " https://app.example.com/settings",
            "https://app.example.com/settings\n",
            "https://app.example.com/settings#frag",
            "http://localhost:5174/",
            "http://127.0.0.1:5173/",
        ] {
            assert_eq!(
                allowlist().check(bad),
                Err(ApiError::InvalidRedirectUrl),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_empty_allowlist_allows_nothing() {
        assert!(
            RedirectAllowlist::default()
                .check("https://app.example.com/settings")
                .is_err()
        );
    }
}
