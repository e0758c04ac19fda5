//! Audit events: one structured `tracing` event (target `audit`) per change, with who did it,
//! to whom, to which authenticator, the request id and the sign-in session (`origin_jti`), then
//! the same fields as a change event when a publisher is configured. Never tokens, codes, or
//! full email addresses or phone numbers.

use axum::http::HeaderMap;

use super::AppState;
use super::step_up::Proof;
use crate::auth::AuthenticatedUser;
use crate::events::{self, ChangeDetail, ChangeEvent, ChangeKind};

/// The request id set by the request-id layer (or API Gateway's, on Lambda).
pub fn request_id(headers: &HeaderMap) -> &str {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Logs the change and publishes it. Never fails: the change has already happened.
pub async fn record(
    state: &AppState,
    kind: ChangeKind,
    actor: &AuthenticatedUser,
    subject: &str,
    authenticator: Option<(&str, &str)>,
    headers: &HeaderMap,
    proof: Option<Proof>,
) {
    let (authenticator_id, method) = authenticator.unwrap_or(("", ""));
    tracing::info!(
        target: "audit",
        event = kind.audit_name(),
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
    let Some(publisher) = &state.integrations.changes else {
        return;
    };
    let event = ChangeEvent {
        kind,
        detail: ChangeDetail {
            actor: actor.user_id.clone(),
            subject: subject.to_owned(),
            authenticator_id: authenticator.map(|(id, _)| id.to_owned()),
            verification_method: authenticator.map(|(_, method)| method.to_owned()),
            request_id: request_id(headers).to_owned(),
            origin_jti: actor.origin_jti.clone(),
            client_id: actor.client_id.clone(),
            proof: proof.map(|proof| proof.as_str().to_owned()),
        },
    };
    events::publish_or_log(publisher.as_ref(), &event).await;
}
