//! Create auth challenge: tracks the sign-in action at Authsignal for the user's `sub` and hands
//! the client what it needs to run the challenge.
//!
//! - Public parameters (strings only, as Cognito requires): `CHALLENGE_UI=custom` →
//!   `{ token, isEnrolled }` for a client SDK; `prebuilt` → `{ url, isEnrolled }` for Authsignal's
//!   pre-built UI (with `PREBUILT_REDIRECT_URL` as its `redirectUrl` when set).
//! - Private parameters: the user id, action and idempotency key Verify checks the answer against,
//!   and whether this is a first-authenticator round: the user has no authenticator, or has never
//!   proved their own Cognito email or phone number (neither attribute is marked verified).
//! - `challengeMetadata`: `AUTHSIGNAL_CHALLENGE`, or `AUTHSIGNAL_BLOCK` when Authsignal's rules
//!   blocked the sign-in. A blocked round issues no token: the public parameters say
//!   `{ state: "BLOCK" }`, Verify refuses any answer and Define then ends the sign-in.
//! - An Authsignal failure is an error (Cognito answers `UserLambdaValidationException` with our
//!   fixed message); its cause is logged.

use std::collections::HashMap;

use super::{
    BLOCKED_METADATA, CHALLENGE_METADATA, CUSTOM_CHALLENGE, CreateAuthChallengeEvent,
    SignInChallenge, TriggerError, private,
};
use crate::authsignal::{TrackAttributes, UserActionState};
use crate::config::ChallengeUi;
use crate::contact::ContactAttribute;

impl SignInChallenge {
    /// The trigger.
    pub async fn create_auth_challenge(
        &self,
        mut event: CreateAuthChallengeEvent,
    ) -> Result<CreateAuthChallengeEvent, TriggerError> {
        let request = &event.request;
        if request.user_not_found {
            // Define fails unknown users first; never track an action for one.
            return Err(TriggerError::UnexpectedEvent("user not found"));
        }
        if request.challenge_name.as_deref() != Some(CUSTOM_CHALLENGE) {
            return Err(TriggerError::UnexpectedEvent("not a custom challenge"));
        }
        let attribute = |name: &str| {
            request
                .user_attributes
                .get(name)
                .filter(|value| !value.is_empty())
                .cloned()
        };
        let Some(user_id) = attribute("sub") else {
            return Err(TriggerError::UnexpectedEvent("no sub attribute"));
        };
        let attributes = TrackAttributes {
            email: attribute("email"),
            phone_number: attribute("phone_number"),
            redirect_url: match self.policy.challenge_ui {
                ChallengeUi::Prebuilt => self
                    .policy
                    .prebuilt_redirect_url
                    .as_ref()
                    .map(ToString::to_string),
                ChallengeUi::Custom => None,
            },
            ..TrackAttributes::default()
        };
        let tracked = self
            .authsignal
            .track(&user_id, &self.action, &attributes)
            .await
            .map_err(|error| {
                tracing::error!(%error, "sign-in challenge: Authsignal track failed");
                TriggerError::Authsignal(error)
            })?;

        let first_authenticator = !tracked.is_enrolled || !has_proved_a_contact(request);
        let private = HashMap::from([
            (private::USER_ID.to_owned(), user_id),
            (private::ACTION.to_owned(), self.action.clone()),
            (private::IDEMPOTENCY_KEY.to_owned(), tracked.idempotency_key),
            (private::STATE.to_owned(), tracked.state.to_string()),
            (
                private::FIRST_AUTHENTICATOR.to_owned(),
                first_authenticator.to_string(),
            ),
        ]);
        let is_enrolled = tracked.is_enrolled.to_string();
        let (public, metadata) = if tracked.state == UserActionState::Block {
            tracing::warn!("sign-in blocked by Authsignal's rules");
            let public = HashMap::from([("state".to_owned(), tracked.state.to_string())]);
            (public, BLOCKED_METADATA)
        } else {
            let (key, value) = match self.policy.challenge_ui {
                ChallengeUi::Custom => ("token", tracked.token),
                ChallengeUi::Prebuilt => ("url", tracked.url),
            };
            let Some(value) = value else {
                tracing::error!(field = key, "Authsignal's track answer lacks a field");
                return Err(TriggerError::Authsignal(
                    crate::authsignal::AuthsignalError::Decode(format!("no `{key}` in track")),
                ));
            };
            let public = HashMap::from([
                (key.to_owned(), value),
                ("isEnrolled".to_owned(), is_enrolled),
            ]);
            (public, CHALLENGE_METADATA)
        };
        tracing::info!(
            state = %private[private::STATE],
            first_authenticator,
            "sign-in challenge created"
        );
        event.response.public_challenge_parameters = public;
        event.response.private_challenge_parameters = private;
        event.response.challenge_metadata = Some(metadata.to_owned());
        Ok(event)
    }
}

/// Whether the user has proved an email or phone number they still have: the attribute is
/// present and marked verified (only Verify marks it, after a proof; see `verified_contacts`).
fn has_proved_a_contact(
    request: &aws_lambda_events::event::cognito::CognitoEventUserPoolsCreateAuthChallengeRequest,
) -> bool {
    [ContactAttribute::Email, ContactAttribute::PhoneNumber]
        .into_iter()
        .any(|contact| {
            let attribute = |name: &str| request.user_attributes.get(name).map(String::as_str);
            attribute(contact.name()).is_some_and(|value| !value.is_empty())
                && attribute(contact.verified_name()) == Some("true")
        })
}
