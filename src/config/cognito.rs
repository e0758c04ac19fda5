//! Which Cognito access tokens the service accepts: pool, app clients, issuers, JWKS, leeway.

use std::time::Duration;

use super::{
    ConfigError, ConfigProblem, Problems, bounded, check_url, non_empty, report, split_list,
};

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
    /// How many verified tokens are remembered (by SHA-256) so that the same token's next
    /// request skips the RSA verification; 0 turns the cache off.
    pub verified_token_cache_size: usize,
}

/// The largest clock-skew allowance accepted; more would make expiry meaningless.
pub const MAX_LEEWAY_SECONDS: u64 = 300;
/// Enough for every user active within a token's lifetime on one instance; ≈ 0.5 KB each.
pub const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE: usize = 4096;
const MAX_VERIFIED_TOKEN_CACHE_SIZE: u64 = 1_000_000;

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
            verified_token_cache_size: DEFAULT_VERIFIED_TOKEN_CACHE_SIZE,
        })
    }

    pub fn read(lookup: &impl Fn(&str) -> Option<String>, problems: &mut Problems) -> Option<Self> {
        let mut problem =
            |variable: &'static str, message: String| report(problems, variable, message);

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

        let verified_token_cache_size = bounded(
            lookup("VERIFIED_TOKEN_CACHE_SIZE"),
            DEFAULT_VERIFIED_TOKEN_CACHE_SIZE as u64,
            0..=MAX_VERIFIED_TOKEN_CACHE_SIZE,
            "tokens",
        )
        .map_err(|message| problem("VERIFIED_TOKEN_CACHE_SIZE", message))
        .ok()
        .map(|size| size as usize);

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
            verified_token_cache_size: verified_token_cache_size?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::config;

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
        assert_eq!(
            cognito.verified_token_cache_size,
            DEFAULT_VERIFIED_TOKEN_CACHE_SIZE
        );
    }

    #[test]
    fn the_verified_token_cache_can_be_sized_or_turned_off_but_not_misspelled() {
        let base = [
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123xyz"),
            ("COGNITO_CLIENT_IDS", "abc"),
        ];
        let with = |size: &'static str| {
            let mut variables = base.to_vec();
            variables.push(("VERIFIED_TOKEN_CACHE_SIZE", size));
            config(&variables)
        };
        assert_eq!(with("0").unwrap().cognito.verified_token_cache_size, 0);
        assert_eq!(with("128").unwrap().cognito.verified_token_cache_size, 128);
        let error = with("lots").unwrap_err();
        assert_eq!(error.problems[0].variable, "VERIFIED_TOKEN_CACHE_SIZE");
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
}
