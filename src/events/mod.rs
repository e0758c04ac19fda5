//! Change events: what the service changed, for whoever must react (a security team's
//! pipeline, a help-desk log, a session revoker). Each change is logged as an audit event and,
//! when `EVENT_BUS_NAME` is set, put on EventBridge with the same fields; the JSON Schema of
//! each detail type ships in `events/`.
//!
//! The change has already happened at Authsignal when its event is sent, so publishing never
//! fails a request: a failed put is retried by the SDK, then logged at error level with the
//! whole event so it can be replayed from the logs.

pub mod eventbridge;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// The kinds of change, with their audit name and EventBridge `DetailType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    EnrollmentTokenIssued,
    SettingsUrlIssued,
    AuthenticatorRemoved,
    AuthenticatorRemovedByAdmin,
    /// An authenticator added in a first-authenticator sign-in round that is not the user's own
    /// Cognito email or phone number, removed by Verify (see `triggers::verify`).
    ForeignAuthenticatorRemoved,
    /// The help desk reset a user: every authenticator but their own Cognito email's (else
    /// phone number's) removed, every session signed out.
    UserReset,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 6] = [
        ChangeKind::EnrollmentTokenIssued,
        ChangeKind::SettingsUrlIssued,
        ChangeKind::AuthenticatorRemoved,
        ChangeKind::AuthenticatorRemovedByAdmin,
        ChangeKind::ForeignAuthenticatorRemoved,
        ChangeKind::UserReset,
    ];

    /// The `event` field of the audit log line.
    pub fn audit_name(self) -> &'static str {
        match self {
            ChangeKind::EnrollmentTokenIssued => "enrollment_token_issued",
            ChangeKind::SettingsUrlIssued => "settings_url_issued",
            ChangeKind::AuthenticatorRemoved => "authenticator_removed",
            ChangeKind::AuthenticatorRemovedByAdmin => "authenticator_removed_by_admin",
            ChangeKind::ForeignAuthenticatorRemoved => "foreign_authenticator_removed",
            ChangeKind::UserReset => "user_reset",
        }
    }

    /// EventBridge's `DetailType`.
    pub fn detail_type(self) -> &'static str {
        match self {
            ChangeKind::EnrollmentTokenIssued => "Enrollment Token Issued",
            ChangeKind::SettingsUrlIssued => "Settings URL Issued",
            ChangeKind::AuthenticatorRemoved => "Authenticator Removed",
            ChangeKind::AuthenticatorRemovedByAdmin => "Authenticator Removed By Admin",
            ChangeKind::ForeignAuthenticatorRemoved => "Foreign Authenticator Removed",
            ChangeKind::UserReset => "User Reset",
        }
    }

    /// The kind whose `DetailType` this is.
    pub fn from_detail_type(detail_type: &str) -> Option<ChangeKind> {
        ChangeKind::ALL
            .into_iter()
            .find(|kind| kind.detail_type() == detail_type)
    }

    /// The schema file in `events/` that describes this kind's detail.
    pub fn schema_file(self) -> &'static str {
        match self {
            ChangeKind::EnrollmentTokenIssued => "enrollment-token-issued.schema.json",
            ChangeKind::SettingsUrlIssued => "settings-url-issued.schema.json",
            ChangeKind::AuthenticatorRemoved => "authenticator-removed.schema.json",
            ChangeKind::AuthenticatorRemovedByAdmin => "authenticator-removed-by-admin.schema.json",
            ChangeKind::ForeignAuthenticatorRemoved => "foreign-authenticator-removed.schema.json",
            ChangeKind::UserReset => "user-reset.schema.json",
        }
    }
}

/// The `actor` of changes the sign-in triggers make on their own (no caller is signed in).
pub const SIGN_IN_ACTOR: &str = "sign-in";

/// Who changed what: the audit fields. Never a token, a code, or a full email or phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeDetail {
    /// The caller's `sub` ([`SIGN_IN_ACTOR`] for the sign-in triggers).
    pub actor: String,
    /// The `sub` of the user whose authenticators changed (the actor's own on `/v1/me`).
    pub subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<String>,
    /// The request id; for the sign-in triggers, the sign-in round (Authsignal's idempotency key).
    pub request_id: String,
    /// The Cognito sign-in session of the actor's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_jti: Option<String>,
    pub client_id: String,
    /// How a recent sign-in was proved: `recent_sign_in` or `step_up`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
    /// Why the help desk acted (a reset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// Every authenticator a reset removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<Vec<RemovedAuthenticator>>,
    /// The authenticator of the user's own contact that a reset left on the account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<KeptAuthenticator>,
}

/// The help desk's reason: a short code to count by and the words of whoever acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reason {
    pub code: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemovedAuthenticator {
    pub authenticator_id: String,
    pub verification_method: String,
}

/// What a reset left on the account: the authenticator of the user's own verified contact, and
/// that contact masked (`j***@example.com`, `+1******4567`), so whoever reads the record can ask
/// the user whether it is theirs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeptAuthenticator {
    pub authenticator_id: String,
    pub verification_method: String,
    /// True when the account lacked it and the reset enrolled it.
    pub enrolled: bool,
    pub contact: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEvent {
    pub kind: ChangeKind,
    pub detail: ChangeDetail,
}

/// Why an event did not reach the bus.
#[derive(Debug, thiserror::Error)]
#[error("change event not published: {0}")]
pub struct PublishError(pub String);

#[async_trait]
pub trait ChangePublisher: Send + Sync {
    async fn publish(&self, event: &ChangeEvent) -> Result<(), PublishError>;
}

/// Logs `event` as one audit line (target `audit`) and publishes it when a publisher is
/// configured. Never fails: the change has already happened.
pub async fn record(publisher: Option<&dyn ChangePublisher>, event: &ChangeEvent) {
    let detail = &event.detail;
    tracing::info!(
        target: "audit",
        event = event.kind.audit_name(),
        actor = %detail.actor,
        subject = %detail.subject,
        authenticator_id = detail.authenticator_id.as_deref().unwrap_or(""),
        verification_method = detail.verification_method.as_deref().unwrap_or(""),
        request_id = %detail.request_id,
        origin_jti = detail.origin_jti.as_deref().unwrap_or(""),
        client_id = %detail.client_id,
        proof = detail.proof.as_deref().unwrap_or(""),
        reason_code = detail.reason.as_ref().map_or("", |r| r.code.as_str()),
        reason = detail.reason.as_ref().map_or("", |r| r.text.as_str()),
        removed = %detail
            .removed
            .iter()
            .flatten()
            .map(|r| format!("{}:{}", r.verification_method, r.authenticator_id))
            .collect::<Vec<_>>()
            .join(","),
        kept = %detail.kept.as_ref().map_or(String::new(), |k| {
            format!("{}:{}:{}", k.verification_method, k.authenticator_id, k.contact)
        }),
        "audit"
    );
    if let Some(publisher) = publisher {
        publish_or_log(publisher, event).await;
    }
}

/// Publishes through `publisher` and logs a failure with the whole event; never fails.
pub async fn publish_or_log(publisher: &dyn ChangePublisher, event: &ChangeEvent) {
    if let Err(error) = publisher.publish(event).await {
        let detail = serde_json::to_string(&event.detail).unwrap_or_default();
        tracing::error!(
            %error,
            detail_type = event.kind.detail_type(),
            detail,
            "CHANGE EVENT LOST: replay it from this line"
        );
    }
}
