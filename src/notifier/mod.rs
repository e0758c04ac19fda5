//! Tells a user, by email, about every change to their sign-in methods ("If this wasn't
//! you…"): `functions/change-notifier`, subscribed to the change events on EventBridge, and
//! `dev --aws-local` run this. The notice is built from the event alone: what happened, to which
//! kind of method, and when; never an id, a token, a code or the help desk's words. It goes to
//! the user's Cognito email address, and only when that address is verified, so a notice never
//! lands with whoever typed an address into the pool.
//!
//! A notice that cannot be sent now (the pool or SES unreachable) fails the invocation, so
//! Lambda's asynchronous retries try again; an event that can never become a notice (another
//! detail type, an unknown user, no verified address) is logged and dropped.

pub mod ses;

use std::sync::Arc;

use async_trait::async_trait;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contact::mask_email;
use crate::directory::{DirectoryError, UserDirectory};
use crate::events::{ChangeDetail, ChangeKind};
use crate::redact;

/// What a template is filled with (the SES template's `{{headline}}`, `{{details}}`, `{{when}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeData {
    pub headline: String,
    pub details: String,
    pub when: String,
}

/// One notice: whom it is about (a `sub`) and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: ChangeKind,
    pub user: String,
    pub data: NoticeData,
}

/// Why an event was dropped without a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Not one of the change events.
    NotAChange,
    /// A change event whose detail does not parse.
    BadDetail,
    UnknownUser,
    /// The user has no email address, or has not verified it.
    NoVerifiedEmail,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::NotAChange => "not_a_change_event",
            Skip::BadDetail => "bad_detail",
            Skip::UnknownUser => "unknown_user",
            Skip::NoVerifiedEmail => "no_verified_email",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Sent to `to` (the user's whole address: callers log it masked).
    Sent {
        to: String,
        message_id: String,
        notice: Notice,
    },
    Skipped(Skip),
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("the user pool could not be reached: {0}")]
    Directory(String),
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// Lambda's `errorType` says which dependency failed; the message never holds the address.
impl From<NotifyError> for lambda_runtime::Diagnostic {
    fn from(error: NotifyError) -> Self {
        let error_type = match error {
            NotifyError::Directory(_) => "UserPoolUnavailable",
            NotifyError::Mail(_) => "EmailNotSent",
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.into(),
            error_message: error.to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the notice was not sent: {0}")]
pub struct MailError(pub String);

/// Sends a notice from the deployed template.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// The provider's message id.
    async fn send(&self, to: &str, data: &NoticeData) -> Result<String, MailError>;
}

impl Notice {
    /// The notice `event` calls for, or why there is none.
    pub fn from_event(event: &EventBridgeEvent<Value>) -> Result<Notice, Skip> {
        let kind = ChangeKind::from_detail_type(&event.detail_type).ok_or(Skip::NotAChange)?;
        let detail = ChangeDetail::deserialize(&event.detail).map_err(|_| Skip::BadDetail)?;
        let (headline, details) = words(kind, &detail);
        let when = event.time.map_or_else(
            || "just now".to_owned(),
            |time| time.format("%-d %B %Y, %H:%M UTC").to_string(),
        );
        Ok(Notice {
            kind,
            user: detail.subject,
            data: NoticeData {
                headline: headline.to_owned(),
                details,
                when,
            },
        })
    }
}

/// The headline and the sentence for each kind of change.
fn words(kind: ChangeKind, detail: &ChangeDetail) -> (&'static str, String) {
    let method = method_name(detail.verification_method.as_deref());
    match kind {
        ChangeKind::EnrollmentTokenIssued => (
            "A sign-in method is being added to your account",
            "Someone signed in to your account started adding a new sign-in method.".to_owned(),
        ),
        ChangeKind::SettingsUrlIssued => (
            "Your sign-in methods were opened for changes",
            "Someone signed in to your account opened the page where sign-in methods are added and removed."
                .to_owned(),
        ),
        ChangeKind::AuthenticatorRemoved => (
            "A sign-in method was removed from your account",
            format!("Your {method} was removed by someone signed in to your account."),
        ),
        ChangeKind::AuthenticatorRemovedByAdmin => (
            "Support removed a sign-in method from your account",
            format!("Our support team removed your {method}."),
        ),
        ChangeKind::ForeignAuthenticatorRemoved => (
            "A sign-in method that is not yours was refused",
            format!(
                "During a sign-in to your account, someone added {} that is not the one on your account. It was removed at once.",
                article(method)
            ),
        ),
        ChangeKind::UserReset => (
            "Support reset your sign-in methods",
            "Our support team removed the sign-in methods on your account, all but this address, and signed you out everywhere. Your next sign-in asks for a code sent to this address."
                .to_owned(),
        ),
    }
}

/// Authsignal's verification method, as people call it.
fn method_name(method: Option<&str>) -> &'static str {
    match method {
        Some("EMAIL_OTP") => "email code",
        Some("EMAIL_MAGIC_LINK") => "email link",
        Some("SMS") => "text message code",
        Some("WHATSAPP") => "WhatsApp code",
        Some("PASSKEY") => "passkey",
        Some("SECURITY_KEY") => "security key",
        Some("AUTHENTICATOR_APP") => "authenticator app",
        Some("PUSH") => "push sign-in",
        _ => "sign-in method",
    }
}

fn article(noun: &str) -> String {
    let vowel = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

/// Finds the user and sends their notice.
#[derive(Clone)]
pub struct Notifier {
    directory: Arc<dyn UserDirectory>,
    mailer: Arc<dyn Mailer>,
}

impl Notifier {
    pub fn new(directory: Arc<dyn UserDirectory>, mailer: Arc<dyn Mailer>) -> Self {
        Notifier { directory, mailer }
    }

    /// Sends the notice `event` calls for, logging what was done (target `notices`) with the
    /// address masked.
    pub async fn notify(&self, event: &EventBridgeEvent<Value>) -> Result<Outcome, NotifyError> {
        let outcome = self.send(event).await;
        match &outcome {
            Ok(Outcome::Sent {
                to,
                message_id,
                notice,
            }) => tracing::info!(
                target: "notices",
                event = notice.kind.audit_name(),
                subject = %notice.user,
                to = %mask_email(to),
                headline = %notice.data.headline,
                %message_id,
                "change notice sent"
            ),
            Ok(Outcome::Skipped(skip)) => tracing::info!(
                target: "notices",
                detail_type = %event.detail_type,
                reason = skip.as_str(),
                "no change notice"
            ),
            Err(error) => tracing::error!(
                target: "notices",
                detail_type = %event.detail_type,
                %error,
                "change notice not sent (the invocation fails, so it is retried)"
            ),
        }
        outcome
    }

    async fn send(&self, event: &EventBridgeEvent<Value>) -> Result<Outcome, NotifyError> {
        let notice = match Notice::from_event(event) {
            Ok(notice) => notice,
            Err(skip) => return Ok(Outcome::Skipped(skip)),
        };
        let user = match self.directory.user_by_sub(&notice.user).await {
            Ok(user) => user,
            Err(DirectoryError::UnknownUser) => return Ok(Outcome::Skipped(Skip::UnknownUser)),
            Err(error) => {
                return Err(NotifyError::Directory(redact::external_text(
                    &error.to_string(),
                )));
            }
        };
        let Some(to) = user.email.filter(|_| user.email_verified) else {
            return Ok(Outcome::Skipped(Skip::NoVerifiedEmail));
        };
        // What SES says may quote the address (a rejected recipient): redacted before it is
        // logged or reported to Lambda.
        let message_id = self
            .mailer
            .send(&to, &notice.data)
            .await
            .map_err(|error| MailError(redact::external_text(&error.0)))?;
        Ok(Outcome::Sent {
            to,
            message_id,
            notice,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(detail_type: &str, detail: Value) -> EventBridgeEvent<Value> {
        serde_json::from_value(json!({
            "version": "0",
            "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": detail_type,
            "source": "cognito-authsignal",
            "account": "123456789012",
            "time": "2026-12-02T18:40:05Z",
            "region": "eu-west-1",
            "resources": [],
            "detail": detail,
        }))
        .unwrap()
    }

    fn detail(method: Option<&str>) -> Value {
        let mut detail = json!({
            "actor": "11111111-2222-3333-4444-555555555555",
            "subject": "11111111-2222-3333-4444-555555555555",
            "authenticatorId": "c2f5d2a4-auth",
            "requestId": "req-1",
            "originJti": "jti-1",
            "clientId": "client",
        });
        if let Some(method) = method {
            detail["verificationMethod"] = json!(method);
        }
        detail
    }

    #[test]
    fn every_change_kind_has_a_notice_about_its_subject_in_plain_words() {
        for kind in ChangeKind::ALL {
            let notice = Notice::from_event(&event(kind.detail_type(), detail(Some("PASSKEY"))))
                .unwrap_or_else(|skip| panic!("{kind:?}: {skip:?}"));
            assert_eq!(notice.kind, kind);
            assert_eq!(notice.user, "11111111-2222-3333-4444-555555555555");
            assert_eq!(notice.data.when, "2 December 2026, 18:40 UTC");
            assert!(!notice.data.headline.is_empty() && !notice.data.details.is_empty());
        }
        let removed = Notice::from_event(&event("Authenticator Removed", detail(Some("SMS"))));
        assert_eq!(
            removed.unwrap().data.details,
            "Your text message code was removed by someone signed in to your account."
        );
        let foreign = Notice::from_event(&event(
            "Foreign Authenticator Removed",
            detail(Some("EMAIL_OTP")),
        ));
        assert!(
            foreign
                .unwrap()
                .data
                .details
                .contains("someone added an email code that is not the one on your account")
        );
    }

    #[test]
    fn a_notice_carries_no_id_token_or_words_of_the_help_desk() {
        let mut reset = detail(None);
        reset["reason"] = json!({ "code": "lost_device", "text": "caller said: token abc123" });
        reset["removed"] =
            json!([{ "authenticatorId": "c2f5d2a4-auth", "verificationMethod": "PASSKEY" }]);
        let notice = Notice::from_event(&event("User Reset", reset)).unwrap();
        let data = serde_json::to_string(&notice.data).unwrap();
        for secret in [
            "c2f5d2a4-auth",
            "jti-1",
            "req-1",
            "abc123",
            "lost_device",
            "11111111-2222",
        ] {
            assert!(!data.contains(secret), "{secret} in {data}");
        }
        let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, Value>>(&data)
            .unwrap()
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        assert_eq!(keys, ["details", "headline", "when"]);
    }

    /// A pool with one user, and a mailer that refuses the recipient by name.
    struct OneUser;

    #[async_trait]
    impl UserDirectory for OneUser {
        async fn find_users(
            &self,
            query: &crate::directory::UserQuery,
        ) -> Result<crate::directory::UserPage, DirectoryError> {
            assert_eq!(
                query.filter(),
                r#"sub = "11111111-2222-3333-4444-555555555555""#
            );
            Ok(crate::directory::UserPage {
                users: vec![crate::directory::DirectoryUser {
                    sub: "11111111-2222-3333-4444-555555555555".into(),
                    username: "dee".into(),
                    status: "CONFIRMED".into(),
                    enabled: true,
                    created_at: None,
                    email: Some("dee@example.com".into()),
                    email_verified: true,
                    phone_number: None,
                    phone_number_verified: false,
                }],
                pagination_token: None,
            })
        }

        async fn sign_out_everywhere(&self, _: &str) -> Result<(), DirectoryError> {
            unreachable!("the notifier signs no one out")
        }
    }

    struct Rejects;

    #[async_trait]
    impl Mailer for Rejects {
        async fn send(&self, to: &str, _: &NoticeData) -> Result<String, MailError> {
            Err(MailError(format!(
                "MessageRejected: Address blacklisted: {to}"
            )))
        }
    }

    #[tokio::test]
    async fn a_refused_notice_fails_without_naming_the_address() {
        let notifier = Notifier::new(Arc::new(OneUser), Arc::new(Rejects));
        let error = notifier
            .notify(&event("Authenticator Removed", detail(Some("PASSKEY"))))
            .await
            .unwrap_err();
        let diagnostic = lambda_runtime::Diagnostic::from(error);
        assert_eq!(diagnostic.error_type, "EmailNotSent");
        assert!(
            diagnostic.error_message.contains("Address blacklisted")
                && !diagnostic.error_message.contains("dee@example.com"),
            "{}",
            diagnostic.error_message
        );
    }

    #[tokio::test]
    async fn a_subject_that_would_reshape_the_pool_filter_reaches_no_one() {
        // An event naming `x" or email ^= "` as its subject would, spliced into `ListUsers`'s
        // filter, match every user; it is refused before the pool is asked, and nothing is sent
        // (this mailer would fail the call if it were reached).
        let notifier = Notifier::new(Arc::new(OneUser), Arc::new(Rejects));
        let mut hostile = detail(Some("PASSKEY"));
        hostile["subject"] = json!(r#"x" or email ^= ""#);
        let outcome = notifier
            .notify(&event("Authenticator Removed", hostile))
            .await
            .unwrap();
        assert_eq!(outcome, Outcome::Skipped(Skip::UnknownUser));
    }

    #[test]
    fn other_events_and_broken_details_make_no_notice() {
        assert_eq!(
            Notice::from_event(&event("EC2 Instance State-change Notification", json!({}))),
            Err(Skip::NotAChange)
        );
        assert_eq!(
            Notice::from_event(&event("User Reset", json!({ "subject": 7 }))),
            Err(Skip::BadDetail)
        );
    }
}
