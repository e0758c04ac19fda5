//! Authsignal action codes, one per kind of token. Authsignal's `/validate` checks the action a
//! token was issued for, so distinct actions are what keep a sign-in token from passing as a
//! step-up, an enrollment token from passing as either, and so on. Equal values are refused.

use super::{Problems, is_action_code, non_empty, report};

/// The action tracked for each purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionsConfig {
    /// Cognito sign-in (Create / Verify auth challenge): `AUTHSIGNAL_SIGN_IN_ACTION`.
    pub sign_in: String,
    /// Enrollment tokens (`add:authenticators`): `AUTHSIGNAL_ENROLLMENT_ACTION`.
    pub enrollment: String,
    /// Pre-built UI settings URLs: `AUTHSIGNAL_SETTINGS_ACTION`.
    pub settings: String,
    /// Step-up before adding an authenticator: `AUTHSIGNAL_STEP_UP_ADD_ACTION`.
    pub step_up_add: String,
    /// Step-up before removing an authenticator: `AUTHSIGNAL_STEP_UP_REMOVE_ACTION`.
    pub step_up_remove: String,
}

impl Default for ActionsConfig {
    fn default() -> Self {
        ActionsConfig {
            sign_in: "cognitoAuth".into(),
            enrollment: "enrollAuthenticator".into(),
            settings: "manageAuthenticators".into(),
            step_up_add: "addAuthenticator".into(),
            step_up_remove: "removeAuthenticator".into(),
        }
    }
}

impl ActionsConfig {
    /// Each variable with its value, in a fixed order.
    fn entries(&self) -> [(&'static str, &str); 5] {
        [
            ("AUTHSIGNAL_SIGN_IN_ACTION", &self.sign_in),
            ("AUTHSIGNAL_ENROLLMENT_ACTION", &self.enrollment),
            ("AUTHSIGNAL_SETTINGS_ACTION", &self.settings),
            ("AUTHSIGNAL_STEP_UP_ADD_ACTION", &self.step_up_add),
            ("AUTHSIGNAL_STEP_UP_REMOVE_ACTION", &self.step_up_remove),
        ]
    }

    pub fn read(lookup: &impl Fn(&str) -> Option<String>, problems: &mut Problems) -> Self {
        let defaults = ActionsConfig::default();
        let read = |variable: &str, default: String| non_empty(lookup(variable)).unwrap_or(default);
        let actions = ActionsConfig {
            sign_in: read("AUTHSIGNAL_SIGN_IN_ACTION", defaults.sign_in),
            enrollment: read("AUTHSIGNAL_ENROLLMENT_ACTION", defaults.enrollment),
            settings: read("AUTHSIGNAL_SETTINGS_ACTION", defaults.settings),
            step_up_add: read("AUTHSIGNAL_STEP_UP_ADD_ACTION", defaults.step_up_add),
            step_up_remove: read("AUTHSIGNAL_STEP_UP_REMOVE_ACTION", defaults.step_up_remove),
        };
        let entries = actions.entries();
        for (index, (variable, value)) in entries.iter().enumerate() {
            if !is_action_code(value) {
                report(
                    problems,
                    variable,
                    "must match ^[a-zA-Z0-9_-]{1,64}$ (Authsignal's rule for action codes)",
                );
            } else if let Some((other, _)) = entries[..index].iter().find(|(_, v)| v == value) {
                report(
                    problems,
                    variable,
                    format!(
                        "`{value}` is also {other}: each kind of token needs its own action, \
                         or one could stand in for the other"
                    ),
                );
            }
        }
        actions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::lookup;

    fn read(vars: &[(&str, &str)]) -> (ActionsConfig, Vec<&'static str>) {
        let mut problems = Vec::new();
        let actions = ActionsConfig::read(&lookup(vars), &mut problems);
        (actions, problems.iter().map(|p| p.variable).collect())
    }

    #[test]
    fn the_defaults_keep_every_kind_of_token_apart() {
        let (actions, problems) = read(&[]);
        assert!(problems.is_empty(), "{problems:?}");
        let mut values: Vec<&str> = actions.entries().iter().map(|(_, v)| *v).collect();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), 5);
        assert_eq!(actions.sign_in, "cognitoAuth");
        assert_eq!(actions.enrollment, "enrollAuthenticator");
        assert_eq!(actions.step_up_add, "addAuthenticator");
    }

    #[test]
    fn each_action_can_be_chosen() {
        let (actions, problems) = read(&[
            ("AUTHSIGNAL_SIGN_IN_ACTION", "signIn"),
            ("AUTHSIGNAL_ENROLLMENT_ACTION", "enroll"),
            ("AUTHSIGNAL_SETTINGS_ACTION", "settings"),
            ("AUTHSIGNAL_STEP_UP_ADD_ACTION", "stepUpAdd"),
            ("AUTHSIGNAL_STEP_UP_REMOVE_ACTION", "stepUpRemove"),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            actions,
            ActionsConfig {
                sign_in: "signIn".into(),
                enrollment: "enroll".into(),
                settings: "settings".into(),
                step_up_add: "stepUpAdd".into(),
                step_up_remove: "stepUpRemove".into(),
            }
        );
    }

    #[test]
    fn an_action_shared_by_two_kinds_of_token_is_refused() {
        // The old default: enrollment and the add step-up were both `addAuthenticator`.
        let (_, problems) = read(&[("AUTHSIGNAL_ENROLLMENT_ACTION", "addAuthenticator")]);
        assert_eq!(problems, vec!["AUTHSIGNAL_STEP_UP_ADD_ACTION"]);
        let (_, problems) = read(&[("AUTHSIGNAL_STEP_UP_REMOVE_ACTION", "cognitoAuth")]);
        assert_eq!(problems, vec!["AUTHSIGNAL_STEP_UP_REMOVE_ACTION"]);
    }

    #[test]
    fn malformed_actions_are_refused() {
        let (_, problems) = read(&[("AUTHSIGNAL_SIGN_IN_ACTION", "sign in")]);
        assert_eq!(problems, vec!["AUTHSIGNAL_SIGN_IN_ACTION"]);
    }
}
