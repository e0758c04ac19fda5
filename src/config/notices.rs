//! The change notifier (`functions/change-notifier`): which pool its users are in, who the
//! notices come from and which SES template they are written from.

use super::{ConfigError, finish, non_empty, report};
use crate::contact::is_email;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeConfig {
    /// `COGNITO_USER_POOL_ID`: where a changed user's email address is looked up.
    pub user_pool_id: String,
    /// `NOTICE_SENDER`: an address of an SES-verified identity.
    pub sender: String,
    /// `NOTICE_TEMPLATE`: the SES template the stack deploys (`AWS::SES::Template`).
    pub template: String,
}

impl NoticeConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let user_pool_id = non_empty(lookup("COGNITO_USER_POOL_ID"));
        if user_pool_id.is_none() {
            report(&mut problems, "COGNITO_USER_POOL_ID", "is required");
        }
        let sender = non_empty(lookup("NOTICE_SENDER"));
        if !sender.as_deref().is_some_and(is_email) {
            report(&mut problems, "NOTICE_SENDER", "must be an email address");
        }
        let template = non_empty(lookup("NOTICE_TEMPLATE"));
        if !template.as_deref().is_some_and(is_template_name) {
            report(
                &mut problems,
                "NOTICE_TEMPLATE",
                "must be an SES template name (1-64 of A-Z a-z 0-9 _ -)",
            );
        }
        let config = (|| {
            Some(NoticeConfig {
                user_pool_id: user_pool_id?,
                sender: sender?,
                template: template?,
            })
        })();
        finish(config, problems)
    }
}

fn is_template_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::lookup;

    #[test]
    fn the_notifier_needs_its_pool_a_sender_address_and_a_template_name() {
        let config = NoticeConfig::from_lookup(lookup(&[
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123"),
            ("NOTICE_SENDER", "security@example.com"),
            ("NOTICE_TEMPLATE", "stack-change-notice"),
        ]))
        .unwrap();
        assert_eq!(config.template, "stack-change-notice");

        let error = NoticeConfig::from_lookup(lookup(&[
            ("NOTICE_SENDER", "not an address"),
            ("NOTICE_TEMPLATE", "has spaces"),
        ]))
        .unwrap_err();
        let variables: Vec<_> = error.problems.iter().map(|p| p.variable).collect();
        assert_eq!(
            variables,
            ["COGNITO_USER_POOL_ID", "NOTICE_SENDER", "NOTICE_TEMPLATE"]
        );
    }
}
