//! How the Cognito sign-in triggers behave: passwordless or password-then-MFA, how many wrong
//! answers a sign-in may have, which Authsignal UI runs the challenge, and whether Authsignal's
//! `ALLOW` (no challenge) counts as an answer.

use std::time::Duration;

use url::Url;

use super::{
    ActionsConfig, AuthsignalConfig, ConfigError, IntegrationsConfig, Problems, boolean, bounded,
    check_url, finish, non_empty, report,
};

/// Which Cognito custom-auth flow the Define trigger runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInMode {
    /// `CUSTOM_AUTH` with the Authsignal challenge alone (`CUSTOM_WITHOUT_SRP` in Amplify).
    Passwordless,
    /// `CUSTOM_AUTH` with SRP: the Cognito password first, then the Authsignal challenge
    /// (`CUSTOM_WITH_SRP` in Amplify).
    PasswordThenMfa,
}

impl SignInMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SignInMode::Passwordless => "passwordless",
            SignInMode::PasswordThenMfa => "password_then_mfa",
        }
    }
}

/// Where the user answers the Authsignal challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeUi {
    /// The app's own screens with an Authsignal client SDK: the challenge carries a `token`.
    Custom,
    /// Authsignal's pre-built UI: the challenge carries a `url`.
    Prebuilt,
}

impl ChallengeUi {
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeUi::Custom => "custom",
            ChallengeUi::Prebuilt => "prebuilt",
        }
    }
}

/// The sign-in policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInConfig {
    /// `SIGN_IN_MODE`: `passwordless` (default) or `password_then_mfa`.
    pub mode: SignInMode,
    /// `MAX_CHALLENGE_ATTEMPTS`: wrong answers allowed before the sign-in fails (default 3).
    pub max_challenge_attempts: u32,
    /// `CHALLENGE_UI`: `custom` (default) or `prebuilt`.
    pub challenge_ui: ChallengeUi,
    /// `PREBUILT_REDIRECT_URL`: where the pre-built UI returns (redirect mode); unset for popups.
    pub prebuilt_redirect_url: Option<Url>,
    /// `ACCEPT_ALLOW_STATE`: accept a token whose action Authsignal's rules let through without a
    /// challenge (`ALLOW`), e.g. a trusted device. Off by default, and only with
    /// `password_then_mfa`: in passwordless mode the track token Create hands out would itself be
    /// an accepted answer, so a username alone would sign in whenever the rules say `ALLOW`.
    pub accept_allow_state: bool,
    /// `PASSKEY_SIGN_IN_MAX_AGE_SECONDS`: how recent a passkey sign-in the client started itself
    /// (usernameless or autofill, before Cognito's round existed) must be to answer a round
    /// (default 120 s, 10–600).
    pub passkey_sign_in_max_age: Duration,
}

impl Default for SignInConfig {
    fn default() -> Self {
        SignInConfig {
            mode: SignInMode::Passwordless,
            max_challenge_attempts: 3,
            challenge_ui: ChallengeUi::Custom,
            prebuilt_redirect_url: None,
            accept_allow_state: false,
            passkey_sign_in_max_age: Duration::from_secs(120),
        }
    }
}

impl SignInConfig {
    /// Reads the process environment (the Define trigger needs nothing else).
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let config = Self::read(&|name: &str| std::env::var(name).ok(), &mut problems);
        finish(config, problems)
    }

    pub fn read(lookup: &impl Fn(&str) -> Option<String>, problems: &mut Problems) -> Option<Self> {
        let defaults = SignInConfig::default();
        let mode = match non_empty(lookup("SIGN_IN_MODE")).as_deref() {
            None | Some("passwordless") => Some(SignInMode::Passwordless),
            Some("password_then_mfa") => Some(SignInMode::PasswordThenMfa),
            Some(_) => {
                report(
                    problems,
                    "SIGN_IN_MODE",
                    "must be `passwordless` or `password_then_mfa`",
                );
                None
            }
        };
        let max_challenge_attempts = bounded(
            lookup("MAX_CHALLENGE_ATTEMPTS"),
            defaults.max_challenge_attempts.into(),
            1..=10,
            "a number of attempts",
        )
        .map_err(|message| report(problems, "MAX_CHALLENGE_ATTEMPTS", message))
        .ok();
        let challenge_ui = match non_empty(lookup("CHALLENGE_UI")).as_deref() {
            None | Some("custom") => Some(ChallengeUi::Custom),
            Some("prebuilt") => Some(ChallengeUi::Prebuilt),
            Some(_) => {
                report(problems, "CHALLENGE_UI", "must be `custom` or `prebuilt`");
                None
            }
        };
        let prebuilt_redirect_url = match non_empty(lookup("PREBUILT_REDIRECT_URL")) {
            None => Some(None),
            Some(raw) => parse_prebuilt_redirect(&raw)
                .map_err(|message| report(problems, "PREBUILT_REDIRECT_URL", message))
                .ok()
                .map(Some),
        };
        let accept_allow_state = boolean(lookup("ACCEPT_ALLOW_STATE"), false)
            .map_err(|message| report(problems, "ACCEPT_ALLOW_STATE", message))
            .ok();
        if accept_allow_state == Some(true) && mode == Some(SignInMode::Passwordless) {
            report(
                problems,
                "ACCEPT_ALLOW_STATE",
                "may be true only with SIGN_IN_MODE=password_then_mfa: without a password, an ALLOW answer would sign in with a username alone",
            );
        }
        let passkey_sign_in_max_age = bounded(
            lookup("PASSKEY_SIGN_IN_MAX_AGE_SECONDS"),
            defaults.passkey_sign_in_max_age.as_secs(),
            10..=600,
            "a number of seconds",
        )
        .map_err(|message| report(problems, "PASSKEY_SIGN_IN_MAX_AGE_SECONDS", message))
        .ok();
        Some(SignInConfig {
            mode: mode?,
            max_challenge_attempts: u32::try_from(max_challenge_attempts?).ok()?,
            challenge_ui: challenge_ui?,
            prebuilt_redirect_url: prebuilt_redirect_url?,
            accept_allow_state: accept_allow_state?,
            passkey_sign_in_max_age: Duration::from_secs(passkey_sign_in_max_age?),
        })
    }
}

/// An absolute https URL (http only for loopback) without credentials or fragment: the
/// pre-built UI appends `?token=...` to it.
fn parse_prebuilt_redirect(raw: &str) -> Result<Url, String> {
    check_url(raw)?;
    let url = Url::parse(raw).map_err(|_| "is not a valid URL".to_owned())?;
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err("must not contain credentials or a fragment".into());
    }
    Ok(url)
}

/// Cognito waits 5 s for a trigger; Authsignal's budget must leave room for the rest.
pub const MAX_TRIGGER_AUTHSIGNAL_TIMEOUT: Duration = Duration::from_millis(4_000);

/// What the Create and Verify auth challenge triggers need.
#[derive(Debug, Clone)]
pub struct TriggerConfig {
    pub sign_in: SignInConfig,
    pub actions: ActionsConfig,
    pub authsignal: AuthsignalConfig,
    /// Verify publishes its change events (a foreign authenticator removed) to `EVENT_BUS_NAME`
    /// with `EVENT_SOURCE`, as the API does; the other integrations are the API's.
    pub integrations: IntegrationsConfig,
}

impl TriggerConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let sign_in = SignInConfig::read(&lookup, &mut problems);
        let actions = ActionsConfig::read(&lookup, &mut problems);
        let authsignal = AuthsignalConfig::read(&lookup, &mut problems);
        let integrations = IntegrationsConfig::read(&lookup, &mut problems);
        if let Some(authsignal) = &authsignal
            && authsignal.total_timeout > MAX_TRIGGER_AUTHSIGNAL_TIMEOUT
        {
            report(
                &mut problems,
                "AUTHSIGNAL_TIMEOUT_MS",
                format!(
                    "must be at most {} for the sign-in triggers (Cognito waits 5 s for a trigger)",
                    MAX_TRIGGER_AUTHSIGNAL_TIMEOUT.as_millis()
                ),
            );
        }
        let config = match (sign_in, authsignal) {
            (Some(sign_in), Some(authsignal)) => Some(TriggerConfig {
                sign_in,
                actions,
                authsignal,
                integrations,
            }),
            _ => None,
        };
        finish(config, problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::lookup;

    fn sign_in(vars: &[(&str, &str)]) -> Result<SignInConfig, Vec<&'static str>> {
        let mut problems = Vec::new();
        let config = SignInConfig::read(&lookup(vars), &mut problems);
        finish(config, problems).map_err(|e| e.problems.iter().map(|p| p.variable).collect())
    }

    #[test]
    fn defaults_are_passwordless_custom_ui_three_attempts_and_no_allow() {
        assert_eq!(sign_in(&[]), Ok(SignInConfig::default()));
        let defaults = SignInConfig::default();
        assert_eq!(defaults.mode, SignInMode::Passwordless);
        assert_eq!(defaults.max_challenge_attempts, 3);
        assert_eq!(defaults.challenge_ui, ChallengeUi::Custom);
        assert!(!defaults.accept_allow_state);
        assert_eq!(defaults.passkey_sign_in_max_age, Duration::from_secs(120));
    }

    #[test]
    fn every_setting_can_be_chosen() {
        let config = sign_in(&[
            ("SIGN_IN_MODE", "password_then_mfa"),
            ("MAX_CHALLENGE_ATTEMPTS", "5"),
            ("CHALLENGE_UI", "prebuilt"),
            ("PREBUILT_REDIRECT_URL", "https://app.example.com/callback"),
            ("ACCEPT_ALLOW_STATE", "true"),
            ("PASSKEY_SIGN_IN_MAX_AGE_SECONDS", "30"),
        ])
        .unwrap();
        assert_eq!(config.passkey_sign_in_max_age, Duration::from_secs(30));
        assert_eq!(config.mode, SignInMode::PasswordThenMfa);
        assert_eq!(config.max_challenge_attempts, 5);
        assert_eq!(config.challenge_ui, ChallengeUi::Prebuilt);
        assert_eq!(
            config.prebuilt_redirect_url.unwrap().as_str(),
            "https://app.example.com/callback"
        );
        assert!(config.accept_allow_state);
    }

    #[test]
    fn allow_is_accepted_only_after_a_password() {
        assert_eq!(
            sign_in(&[("ACCEPT_ALLOW_STATE", "true")]),
            Err(vec!["ACCEPT_ALLOW_STATE"])
        );
        let after_password = sign_in(&[
            ("ACCEPT_ALLOW_STATE", "true"),
            ("SIGN_IN_MODE", "password_then_mfa"),
        ])
        .unwrap();
        assert!(after_password.accept_allow_state);
    }

    #[test]
    fn bad_values_are_all_reported() {
        let problems = sign_in(&[
            ("SIGN_IN_MODE", "password"),
            ("MAX_CHALLENGE_ATTEMPTS", "0"),
            ("CHALLENGE_UI", "popup"),
            ("PREBUILT_REDIRECT_URL", "http://app.example.com/callback"),
            ("ACCEPT_ALLOW_STATE", "yes"),
            ("PASSKEY_SIGN_IN_MAX_AGE_SECONDS", "3600"),
        ])
        .unwrap_err();
        assert_eq!(
            problems,
            vec![
                "SIGN_IN_MODE",
                "MAX_CHALLENGE_ATTEMPTS",
                "CHALLENGE_UI",
                "PREBUILT_REDIRECT_URL",
                "ACCEPT_ALLOW_STATE",
                "PASSKEY_SIGN_IN_MAX_AGE_SECONDS",
            ]
        );
    }

    #[test]
    fn triggers_need_the_authsignal_secret_and_a_budget_inside_cognitos_five_seconds() {
        let problems = |vars: &[(&str, &str)]| -> Vec<&'static str> {
            let error = TriggerConfig::from_lookup(lookup(vars)).unwrap_err();
            error.problems.iter().map(|p| p.variable).collect()
        };
        assert_eq!(problems(&[]), vec!["AUTHSIGNAL_SECRET_KEY"]);
        assert_eq!(
            problems(&[
                ("AUTHSIGNAL_SECRET_KEY", "sk"),
                ("AUTHSIGNAL_TIMEOUT_MS", "4500")
            ]),
            vec!["AUTHSIGNAL_TIMEOUT_MS"]
        );
        let config = TriggerConfig::from_lookup(lookup(&[
            ("AUTHSIGNAL_SECRET_KEY", "sk"),
            ("AUTHSIGNAL_TIMEOUT_MS", "4000"),
        ]))
        .unwrap();
        assert_eq!(config.authsignal.total_timeout, Duration::from_secs(4));
        assert_eq!(config.actions.sign_in, "cognitoAuth");
    }
}
