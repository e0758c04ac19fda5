//! The Cognito custom-auth triggers, with Authsignal as the challenge: Define, Create and Verify
//! auth challenge, and Pre sign-up. Plain functions over `aws_lambda_events`' Cognito types and
//! the Authsignal port, so the Lambda functions, the local Cognito endpoint of `dev` and the
//! tests all run the same code.
//!
//! The Authsignal user id is the Cognito `sub`, as in the HTTP API.

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

use crate::authsignal::{AuthsignalApi, AuthsignalClient, AuthsignalError};
use crate::config::{SignInConfig, TriggerConfig};

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
}

/// What Create and Verify share: the Authsignal port, the sign-in action and the policy.
#[derive(Clone)]
pub struct SignInChallenge {
    pub authsignal: Arc<dyn AuthsignalApi>,
    pub action: String,
    pub policy: SignInConfig,
}

impl SignInChallenge {
    /// The production wiring: the reqwest Authsignal client (one connection pool per process).
    pub fn from_config(config: &TriggerConfig) -> Self {
        SignInChallenge {
            authsignal: Arc::new(AuthsignalClient::new(&config.authsignal)),
            action: config.actions.sign_in.clone(),
            policy: config.sign_in.clone(),
        }
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
}

impl From<TriggerError> for lambda_runtime::Diagnostic {
    fn from(error: TriggerError) -> Self {
        let error_type = match error {
            TriggerError::Authsignal(_) => "AuthsignalUnavailable",
            TriggerError::UnexpectedEvent(_) => "UnexpectedEvent",
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.into(),
            error_message: error.to_string(),
        }
    }
}
