//! The AWS integrations of the API, each off unless configured: the shared step-up replay table
//! (DynamoDB), change events (EventBridge) and session revocation on removal (Cognito).

use super::{Problems, boolean, non_empty, report};

/// Default EventBridge `Source` of change events.
pub const DEFAULT_EVENT_SOURCE: &str = "cognito-authsignal";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationsConfig {
    /// `REPLAY_TABLE_NAME`: the DynamoDB table (name or ARN) that remembers used step-up
    /// tokens across instances; unset keeps them in this process's memory.
    pub replay_table: Option<String>,
    /// `EVENT_BUS_NAME`: the EventBridge bus (name or ARN) for change events; unset sends none.
    pub event_bus: Option<String>,
    /// `EVENT_SOURCE`: the events' `Source`, default `cognito-authsignal`.
    pub event_source: String,
    /// `REVOKE_SESSIONS_ON_REMOVAL`: sign the user out everywhere after a removal.
    pub revoke_sessions_on_removal: bool,
    /// `ADMIN_USER_SEARCH`: the help desk reaches the pool: finds users (`GET /v1/admin/users`,
    /// Cognito `ListUsers`) and resets them (`AdminUserGlobalSignOut`); off, both answer 501.
    pub admin_user_search: bool,
}

impl Default for IntegrationsConfig {
    /// Everything off.
    fn default() -> Self {
        IntegrationsConfig {
            replay_table: None,
            event_bus: None,
            event_source: DEFAULT_EVENT_SOURCE.to_owned(),
            revoke_sessions_on_removal: false,
            admin_user_search: false,
        }
    }
}

impl IntegrationsConfig {
    /// True when any integration needs an AWS client.
    pub fn uses_aws(&self) -> bool {
        self.replay_table.is_some()
            || self.event_bus.is_some()
            || self.revoke_sessions_on_removal
            || self.admin_user_search
    }

    pub fn read(lookup: &impl Fn(&str) -> Option<String>, problems: &mut Problems) -> Self {
        let replay_table = non_empty(lookup("REPLAY_TABLE_NAME"));
        if let Some(table) = &replay_table
            && !is_table_name(table)
            && !table.starts_with("arn:")
        {
            report(
                problems,
                "REPLAY_TABLE_NAME",
                "must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -) or a table ARN",
            );
        }
        let event_bus = non_empty(lookup("EVENT_BUS_NAME"));
        if event_bus.as_ref().is_some_and(|bus| bus.len() > 1600) {
            report(problems, "EVENT_BUS_NAME", "must be a bus name or ARN");
        }
        let event_source =
            non_empty(lookup("EVENT_SOURCE")).unwrap_or_else(|| DEFAULT_EVENT_SOURCE.to_owned());
        if event_source.len() > 256 || event_source.starts_with("aws.") {
            report(
                problems,
                "EVENT_SOURCE",
                "must be at most 256 characters and not start with `aws.`",
            );
        }
        let revoke_sessions_on_removal = boolean(lookup("REVOKE_SESSIONS_ON_REMOVAL"), false)
            .unwrap_or_else(|message| {
                report(problems, "REVOKE_SESSIONS_ON_REMOVAL", message);
                false
            });
        let admin_user_search =
            boolean(lookup("ADMIN_USER_SEARCH"), false).unwrap_or_else(|message| {
                report(problems, "ADMIN_USER_SEARCH", message);
                false
            });
        IntegrationsConfig {
            replay_table,
            event_bus,
            event_source,
            revoke_sessions_on_removal,
            admin_user_search,
        }
    }
}

fn is_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::lookup;

    fn read(vars: &[(&str, &str)]) -> (IntegrationsConfig, Vec<&'static str>) {
        let mut problems = Vec::new();
        let config = IntegrationsConfig::read(&lookup(vars), &mut problems);
        (config, problems.iter().map(|p| p.variable).collect())
    }

    #[test]
    fn everything_is_off_by_default() {
        let (config, problems) = read(&[]);
        assert!(problems.is_empty());
        assert!(!config.uses_aws());
        assert_eq!(config, IntegrationsConfig::default());
        assert_eq!(config.event_source, "cognito-authsignal");
    }

    #[test]
    fn each_integration_can_be_turned_on_and_bad_values_are_reported() {
        let (config, problems) = read(&[
            ("REPLAY_TABLE_NAME", "step-up-replay"),
            ("EVENT_BUS_NAME", "security"),
            ("EVENT_SOURCE", "acme.auth"),
            ("REVOKE_SESSIONS_ON_REMOVAL", "true"),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config.replay_table.as_deref(), Some("step-up-replay"));
        assert_eq!(config.event_bus.as_deref(), Some("security"));
        assert_eq!(config.event_source, "acme.auth");
        assert!(config.revoke_sessions_on_removal && config.uses_aws());

        let (_, problems) = read(&[
            ("REPLAY_TABLE_NAME", "no spaces allowed"),
            ("EVENT_SOURCE", "aws.cognito"),
            ("REVOKE_SESSIONS_ON_REMOVAL", "yes"),
        ]);
        assert_eq!(
            problems,
            vec![
                "REPLAY_TABLE_NAME",
                "EVENT_SOURCE",
                "REVOKE_SESSIONS_ON_REMOVAL"
            ]
        );
    }
}
