//! Audit events: one structured `tracing` event (target `audit`) per change, with who did it,
//! to whom, to which authenticator, the request id and the sign-in session (`origin_jti`), then
//! the same fields as a change event when a publisher is configured. Never tokens, codes, or
//! full email addresses or phone numbers.

use axum::http::HeaderMap;

use super::AppState;
use super::step_up::Proof;
use crate::auth::AuthenticatedUser;
use crate::events::{self, ChangeDetail, ChangeEvent, ChangeKind};

/// The request id set by the request-id layers (in the safe form, or generated).
pub fn request_id(headers: &HeaderMap) -> &str {
    headers
        .get(super::request_id::HEADER)
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
    events::record(state.integrations.changes.as_deref(), &event).await;
}
