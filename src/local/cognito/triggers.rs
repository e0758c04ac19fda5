//! How the local user pool calls its triggers: the event is written as JSON in the shape Cognito
//! sends, read back through the same `aws_lambda_events` types the Lambda functions use, run by
//! the same trigger code, and the answer read from its JSON, with Cognito's 5 s limit.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::protocol::CognitoError;
use crate::config::SignInConfig;
use crate::triggers::define::define_auth_challenge;
use crate::triggers::pre_sign_up::pre_sign_up;
use crate::triggers::{SignInChallenge, TriggerError};

/// Cognito gives a trigger 5 seconds.
pub const TRIGGER_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    PreSignUp,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
}

impl Trigger {
    /// The name Cognito uses in its messages.
    pub fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp_SignUp",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge_Authentication",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge_Authentication",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse_Authentication",
        }
    }
}

/// The fields every user-pool event starts with.
pub struct EventHeader<'a> {
    pub region: &'a str,
    pub user_pool_id: &'a str,
    pub client_id: &'a str,
    pub user_name: &'a str,
}

/// The four triggers the local pool is wired to.
pub struct LocalTriggers {
    pub policy: SignInConfig,
    pub challenge: SignInChallenge,
}

impl LocalTriggers {
    /// Invokes `trigger` with `request` (and the response fields Cognito pre-fills); returns the
    /// event's `response` object.
    pub async fn invoke(
        &self,
        trigger: Trigger,
        header: &EventHeader<'_>,
        request: Value,
        response: Value,
    ) -> Result<Value, CognitoError> {
        let event = json!({
            "version": "1",
            "triggerSource": trigger.source(),
            "region": header.region,
            "userPoolId": header.user_pool_id,
            "userName": header.user_name,
            "callerContext": {
                "awsSdkVersion": "aws-sdk-unknown-unknown",
                "clientId": header.client_id,
            },
            "request": request,
            "response": response,
        });
        let run = async {
            match trigger {
                Trigger::PreSignUp => round_trip(event, |e| async { Ok(pre_sign_up(e)) }).await,
                Trigger::DefineAuthChallenge => {
                    round_trip(event, |e| async {
                        Ok(define_auth_challenge(&self.policy, e))
                    })
                    .await
                }
                Trigger::CreateAuthChallenge => {
                    round_trip(event, |e| self.challenge.create_auth_challenge(e)).await
                }
                Trigger::VerifyAuthChallengeResponse => {
                    round_trip(event, |e| async {
                        Ok(self.challenge.verify_auth_challenge_response(e).await)
                    })
                    .await
                }
            }
        };
        let answered = tokio::time::timeout(TRIGGER_TIMEOUT, run)
            .await
            .map_err(|_| {
                CognitoError::unexpected_trigger_failure(format!(
                    "{} failed due to error Socket timeout while invoking Lambda function.",
                    trigger.name()
                ))
            })?;
        match answered {
            Ok(mut event) => Ok(event["response"].take()),
            Err(InvokeError::Trigger(message)) => {
                Err(CognitoError::trigger_failed(trigger.name(), &message))
            }
            Err(InvokeError::Shape(message)) => {
                tracing::error!(trigger = trigger.name(), %message, "trigger event shape");
                Err(CognitoError::invalid_trigger_response(format!(
                    "Invalid lambda function output : {}",
                    trigger.name()
                )))
            }
        }
    }
}

enum InvokeError {
    /// The function returned an error: Cognito shows its message.
    Trigger(String),
    /// The event or the answer did not fit the type.
    Shape(String),
}

async fn round_trip<E, F, Fut>(event: Value, handler: F) -> Result<Value, InvokeError>
where
    E: Serialize + DeserializeOwned,
    F: FnOnce(E) -> Fut,
    Fut: Future<Output = Result<E, TriggerError>>,
{
    let typed: E =
        serde_json::from_value(event).map_err(|error| InvokeError::Shape(error.to_string()))?;
    let answered = handler(typed)
        .await
        .map_err(|error| InvokeError::Trigger(error.to_string()))?;
    serde_json::to_value(answered).map_err(|error| InvokeError::Shape(error.to_string()))
}
