//! How the local user pool calls its triggers: the event is written as JSON in the shape Cognito
//! sends to a Lambda function, handed to a [`TriggerInvoker`] (what stands in for Lambda), and
//! the answer read back from its JSON, with Cognito's 5 s limit. The pool knows nothing of what
//! the triggers do.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::protocol::CognitoError;

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

    pub fn source(self) -> &'static str {
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

/// Why an invocation gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvocationError {
    /// The function returned an error: Cognito shows its message to the client.
    Failed(String),
    /// The event or the answer did not fit the trigger's shape.
    Shape(String),
}

/// What runs the pool's triggers, as Lambda runs a function: the whole event in, the event
/// with its `response` filled in out.
#[async_trait]
pub trait TriggerInvoker: Send + Sync {
    async fn invoke(&self, trigger: Trigger, event: Value) -> Result<Value, InvocationError>;
}

/// The pool's triggers, behind the invoker.
pub struct LocalTriggers {
    pub invoker: Arc<dyn TriggerInvoker>,
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
        let run = self.invoker.invoke(trigger, event);
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
            Err(InvocationError::Failed(message)) => {
                Err(CognitoError::trigger_failed(trigger.name(), &message))
            }
            Err(InvocationError::Shape(message)) => {
                tracing::error!(trigger = trigger.name(), %message, "trigger event shape");
                Err(CognitoError::invalid_trigger_response(format!(
                    "Invalid lambda function output : {}",
                    trigger.name()
                )))
            }
        }
    }
}
