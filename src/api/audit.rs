//! Audit events: one structured `tracing` event (target `audit`) per change, with who did it,
//! to whom, to which authenticator, the request id and the sign-in session (`origin_jti`), then
//! the same fields as a change event when a publisher is configured. Never tokens, codes, or
//! full email addresses or phone numbers.

use super::AppState;
use super::request_id::RequestId;
use super::step_up::Proof;
use crate::auth::AuthenticatedUser;
use crate::events::{
    self, ChangeDetail, ChangeEvent, ChangeKind, KeptAuthenticator, Reason, RemovedAuthenticator,
};

/// One change the API made, as it is recorded.
pub struct Change<'a> {
    pub kind: ChangeKind,
    /// Who made it (the caller).
    pub actor: &'a AuthenticatedUser,
    /// Whose authenticators it concerned (the caller's own on `/v1/me`).
    pub subject: &'a str,
    /// The authenticator removed, if any: its id and verification method.
    pub authenticator: Option<(&'a str, &'a str)>,
    /// How a recent sign-in was proved, where one was needed.
    pub proof: Option<Proof>,
    /// What a reset did and why.
    pub reset: Option<ResetRecord>,
}

/// A reset's reason, what it removed and what it kept.
pub struct ResetRecord {
    pub reason: Reason,
    pub removed: Vec<RemovedAuthenticator>,
    pub kept: KeptAuthenticator,
}

/// Logs the change and publishes it. Never fails: the change has already happened.
pub async fn record(state: &AppState, change: Change<'_>, request_id: &RequestId) {
    let Change {
        kind,
        actor,
        subject,
        authenticator,
        proof,
        reset,
    } = change;
    let (reason, removed, kept) = match reset {
        Some(ResetRecord {
            reason,
            removed,
            kept,
        }) => (Some(reason), Some(removed), Some(kept)),
        None => (None, None, None),
    };
    let event = ChangeEvent {
        kind,
        detail: ChangeDetail {
            actor: actor.user_id.clone(),
            subject: subject.to_owned(),
            authenticator_id: authenticator.map(|(id, _)| id.to_owned()),
            verification_method: authenticator.map(|(_, method)| method.to_owned()),
            request_id: request_id.0.clone(),
            origin_jti: actor.origin_jti.clone(),
            client_id: actor.client_id.clone(),
            proof: proof.map(|proof| proof.as_str().to_owned()),
            reason,
            removed,
            kept,
        },
    };
    events::record(state.integrations.changes.as_deref(), &event).await;
}
