//! The Cognito custom-auth triggers, with Authsignal as the challenge: Define, Create and Verify
//! auth challenge, and Pre sign-up. Plain functions over `aws_lambda_events`' Cognito types and
//! the Authsignal port, so the Lambda functions, the local Cognito endpoint of `dev` and the
//! tests all run the same code.
//!
//! The Authsignal user id is the Cognito `sub`, as in the HTTP API.
//!
//! What a sign-in proves, and about whom: a round Authsignal says succeeded is not yet proof that
//! *this* user proved *their own* contact, because a client token lets whoever holds it enroll
//! any email, phone or passkey while the account has no authenticator, and Create hands its
//! token to whoever starts a sign-in with the username. So Create never hands out such a token:
//! a user with no authenticator gets their own Cognito email (or phone number) as the first one
//! before the round starts ([`create`]), and in that first round Verify accepts only a proof of
//! that contact, removes anything else found on the account, and marks the contact verified
//! ([`verify`]).

pub mod create;
pub mod define;
pub mod lambda;
pub mod pre_sign_up;
pub mod verify;

use std::sync::Arc;

pub use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsCreateAuthChallenge as CreateAuthChallengeEvent,
    CognitoEventUserPoolsDefineAuthChallenge as DefineAuthChallengeEvent,
    CognitoEventUserPoolsPreSignup as PreSignUpEvent,
    CognitoEventUserPoolsVerifyAuthChallenge as VerifyAuthChallengeEvent,
};

use crate::authsignal::{AuthsignalApi, AuthsignalError};
use crate::config::SignInConfig;
use crate::events::ChangePublisher;
use crate::replay::{MemoryReplayStore, ReplayStore};
use crate::verified_contacts::ContactVerifier;

/// Cognito's challenge names.
pub const CUSTOM_CHALLENGE: &str = "CUSTOM_CHALLENGE";
pub const SRP_A: &str = "SRP_A";
pub const PASSWORD_VERIFIER: &str = "PASSWORD_VERIFIER";

/// `challengeMetadata` of a round in which Authsignal asked for a challenge.
pub const CHALLENGE_METADATA: &str = "AUTHSIGNAL_CHALLENGE";
/// `challengeMetadata` of a round Authsignal blocked: Define ends the sign-in.
pub const BLOCKED_METADATA: &str = "AUTHSIGNAL_BLOCK";

/// Private challenge parameters Create leaves for Verify.
pub mod private {
    pub const USER_ID: &str = "userId";
    pub const ACTION: &str = "action";
    pub const IDEMPOTENCY_KEY: &str = "idempotencyKey";
    pub const STATE: &str = "state";
    /// `"true"` when the user had not yet proved their own contact as the round began (see
    /// `verify`).
    pub const FIRST_AUTHENTICATOR: &str = "firstAuthenticator";
}

/// What Create and Verify share: the Authsignal port, the sign-in action and the policy, and
/// the ports Verify records a first sign-in's outcome with.
#[derive(Clone)]
pub struct SignInChallenge {
    pub authsignal: Arc<dyn AuthsignalApi>,
    pub action: String,
    pub policy: SignInConfig,
    /// Marks a proved contact verified in the user pool. Without it a user's every round stays a
    /// first-authenticator round (so passkeys and apps never count): production always has it.
    pub contacts: Option<Arc<dyn ContactVerifier>>,
    /// Change events (a foreign authenticator removed); `None` logs them only.
    pub changes: Option<Arc<dyn ChangePublisher>>,
    /// Where a passkey sign-in answer is remembered as used (the API's step-up replay store: one
    /// DynamoDB table for every instance with `REPLAY_TABLE_NAME`, else this process's memory).
    pub replay: Arc<dyn ReplayStore>,
}

impl SignInChallenge {
    pub fn new(authsignal: Arc<dyn AuthsignalApi>, action: &str, policy: SignInConfig) -> Self {
        SignInChallenge {
            authsignal,
            action: action.to_owned(),
            policy,
            contacts: None,
            changes: None,
            replay: Arc::new(MemoryReplayStore::default()),
        }
    }

    pub fn with_replay(mut self, replay: Arc<dyn ReplayStore>) -> Self {
        self.replay = replay;
        self
    }

    pub fn with_contacts(mut self, contacts: Arc<dyn ContactVerifier>) -> Self {
        self.contacts = Some(contacts);
        self
    }

    pub fn with_changes(mut self, changes: Option<Arc<dyn ChangePublisher>>) -> Self {
        self.changes = changes;
        self
    }
}

/// Why Create could not produce a challenge. Cognito shows the message to the client as
/// `CreateAuthChallenge failed with error <message>.`, so it never carries upstream text, and
/// has no final period of its own.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error("The sign-in challenge is unavailable; try again shortly")]
    Authsignal(#[source] AuthsignalError),
    #[error("The event is not a sign-in this trigger can handle")]
    UnexpectedEvent(&'static str),
    /// The user has no email address or phone number to prove at a first sign-in.
    #[error("This account has no email address or phone number to sign in with")]
    NoContact,
}

impl From<TriggerError> for lambda_runtime::Diagnostic {
    fn from(error: TriggerError) -> Self {
        let error_type = match error {
            TriggerError::Authsignal(_) => "AuthsignalUnavailable",
            TriggerError::UnexpectedEvent(_) => "UnexpectedEvent",
            TriggerError::NoContact => "NoContact",
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.into(),
            error_message: error.to_string(),
        }
    }
}
