//! Create auth challenge: tracks the sign-in action at Authsignal for the user's `sub` and hands
//! the client what it needs to run the challenge.
//!
//! - **A user with no authenticator never gets a token that could enroll one.** Authsignal lets
//!   the holder of a client token enroll any email, phone or passkey while the account has no
//!   authenticator, and Create hands its token to whoever starts a sign-in with the username. So
//!   when Authsignal says the user is not enrolled, the token just tracked is dropped unseen, the
//!   user's own Cognito `email` (else `phone_number`) is enrolled server-side as their first
//!   authenticator, and the action is tracked again: the token the client gets can only run a
//!   challenge to that contact (adding more needs `add:authenticators`, which only the API's
//!   enrollment token carries). Such a round is a *first-authenticator round* for Verify. A user
//!   with neither attribute cannot start a sign-in.
//! - Public parameters (strings only, as Cognito requires): `CHALLENGE_UI=custom` →
//!   `{ token, isEnrolled, verificationMethods }` for a client SDK; `prebuilt` → the same with
//!   `url` (to Authsignal's pre-built UI, with `PREBUILT_REDIRECT_URL` as its `redirectUrl` when
//!   set) instead of `token`. `verificationMethods` lists the methods the user has, comma-separated.
//! - The track carries the Cognito username as Authsignal's `username`: a passkey sign-in the
//!   client runs before knowing who signs in (usernameless, autofill) returns it, to start
//!   `CUSTOM_AUTH` with.
//! - Private parameters: the user id, action and idempotency key Verify checks the answer against,
//!   and whether this is a first-authenticator round.
//! - `challengeMetadata`: `AUTHSIGNAL_CHALLENGE`, or `AUTHSIGNAL_BLOCK` when Authsignal's rules
//!   blocked the sign-in. A blocked round issues no token: the public parameters say
//!   `{ state: "BLOCK" }`, Verify refuses any answer and Define then ends the sign-in.
//! - An Authsignal failure is an error (Cognito answers `UserLambdaValidationException` with our
//!   fixed message); its cause is logged. All calls together get [`CREATE_BUDGET`].

use std::collections::HashMap;
use std::time::Duration;

use super::{
    BLOCKED_METADATA, CHALLENGE_METADATA, CUSTOM_CHALLENGE, CreateAuthChallengeEvent,
    SignInChallenge, TriggerError, private,
};
use crate::authsignal::{
    AuthsignalError, EnrollVerifiedAuthenticatorRequest, TrackAttributes, TrackResponse,
    UserActionState, VerificationMethod,
};
use crate::config::ChallengeUi;

/// The longest Create takes before failing: a first round makes three calls, and Cognito gives
/// the trigger 5 s (cold start included).
pub const CREATE_BUDGET: Duration = Duration::from_millis(4_000);

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
            // What a usernameless passkey sign-in hands the client to start CUSTOM_AUTH with.
            username: event
                .cognito_event_user_pools_header
                .user_name
                .clone()
                .filter(|name| !name.is_empty()),
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
        let (tracked, first_authenticator) =
            tokio::time::timeout(CREATE_BUDGET, self.track_enrolled(&user_id, &attributes))
                .await
                .unwrap_or(Err(TriggerError::Authsignal(AuthsignalError::Timeout {
                    budget: CREATE_BUDGET,
                })))?;

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
                return Err(TriggerError::Authsignal(AuthsignalError::Decode(format!(
                    "no `{key}` in track"
                ))));
            };
            let methods: Vec<&str> = tracked
                .enrolled_verification_methods
                .iter()
                .flatten()
                .map(VerificationMethod::as_str)
                .collect();
            let public = HashMap::from([
                (key.to_owned(), value),
                ("isEnrolled".to_owned(), tracked.is_enrolled.to_string()),
                ("verificationMethods".to_owned(), methods.join(",")),
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

    /// Tracks the sign-in for a user who has an authenticator, giving one who has none their own
    /// contact first (module docs). The answer, and whether the contact was enrolled just now.
    async fn track_enrolled(
        &self,
        user_id: &str,
        attributes: &TrackAttributes,
    ) -> Result<(TrackResponse, bool), TriggerError> {
        let tracked = self.track(user_id, attributes).await?;
        if tracked.is_enrolled || tracked.state == UserActionState::Block {
            return Ok((tracked, false));
        }
        // `tracked`'s token could enroll anything: it is dropped here, never returned or logged.
        let first = EnrollVerifiedAuthenticatorRequest::own_contact(
            attributes.email.as_deref(),
            attributes.phone_number.as_deref(),
        )
        .ok_or(TriggerError::NoContact)?;
        self.authsignal
            .enroll_verified_authenticator(user_id, &first)
            .await
            .map_err(|error| {
                tracing::error!(%error, "sign-in challenge: enrolling the user's own contact failed");
                TriggerError::Authsignal(error)
            })?;
        tracing::info!(
            verification_method = %first.verification_method,
            "first sign-in: the user's own contact enrolled as their first authenticator"
        );
        let tracked = self.track(user_id, attributes).await?;
        if !tracked.is_enrolled {
            tracing::error!(
                "Authsignal still says not enrolled after enrolling the user's contact"
            );
            return Err(TriggerError::Authsignal(AuthsignalError::Decode(
                "not enrolled after enrolling the user's contact".into(),
            )));
        }
        Ok((tracked, true))
    }

    async fn track(
        &self,
        user_id: &str,
        attributes: &TrackAttributes,
    ) -> Result<TrackResponse, TriggerError> {
        self.authsignal
            .track(user_id, &self.action, attributes)
            .await
            .map_err(|error| {
                tracing::error!(%error, "sign-in challenge: Authsignal track failed");
                TriggerError::Authsignal(error)
            })
    }
}
