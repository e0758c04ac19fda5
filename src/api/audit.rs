//! Audit events: one structured `tracing` event (target `audit`) per change, with who did it,
//! to whom, to which authenticator, the request id and the sign-in session (`origin_jti`).
//! Never tokens, codes, or full email addresses or phone numbers.

use axum::http::HeaderMap;

use super::step_up::Proof;
use crate::auth::AuthenticatedUser;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditEvent {
    EnrollmentTokenIssued,
    SettingsUrlIssued,
    AuthenticatorRemoved,
    AuthenticatorRemovedByAdmin,
}

impl AuditEvent {
    pub fn name(self) -> &'static str {
        match self {
            AuditEvent::EnrollmentTokenIssued => "enrollment_token_issued",
            AuditEvent::SettingsUrlIssued => "settings_url_issued",
            AuditEvent::AuthenticatorRemoved => "authenticator_removed",
            AuditEvent::AuthenticatorRemovedByAdmin => "authenticator_removed_by_admin",
        }
    }
}

/// The request id set by the request-id layer (or API Gateway's, on Lambda).
pub fn request_id(headers: &HeaderMap) -> &str {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

pub fn record(
    event: AuditEvent,
    actor: &AuthenticatedUser,
    subject: &str,
    authenticator: Option<(&str, &str)>,
    headers: &HeaderMap,
    proof: Option<Proof>,
) {
    let (authenticator_id, method) = authenticator.unwrap_or(("", ""));
    tracing::info!(
        target: "audit",
        event = event.name(),
        actor = %actor.user_id,
        subject,
        authenticator_id,
        verification_method = method,
        request_id = request_id(headers),
        origin_jti = actor.origin_jti.as_deref().unwrap_or(""),
        client_id = %actor.client_id,
        proof = proof.map_or("", Proof::as_str),
        "audit"
    );
}
