//! The product's sign-in triggers behind the local user pool's [`TriggerInvoker`]: each event
//! goes through the same `aws_lambda_events` types and the same code the Lambda functions run,
//! as JSON in and JSON out, the way Cognito invokes them.

use async_trait::async_trait;
use cognito_authsignal::config::SignInConfig;
use cognito_authsignal::triggers::define::define_auth_challenge;
use cognito_authsignal::triggers::pre_sign_up::pre_sign_up;
use cognito_authsignal::triggers::{SignInChallenge, TriggerError};
use cognito_authsignal_local::cognito::{InvocationError, Trigger, TriggerInvoker};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The four triggers: Define with its policy, Create and Verify with the sign-in challenge.
pub struct ProductTriggers {
    pub policy: SignInConfig,
    pub challenge: SignInChallenge,
}

#[async_trait]
impl TriggerInvoker for ProductTriggers {
    async fn invoke(&self, trigger: Trigger, event: Value) -> Result<Value, InvocationError> {
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
    }
}

/// The event read into the trigger's type, handled, and written back.
async fn round_trip<E, F, Fut>(event: Value, handler: F) -> Result<Value, InvocationError>
where
    E: Serialize + DeserializeOwned,
    F: FnOnce(E) -> Fut,
    Fut: Future<Output = Result<E, TriggerError>>,
{
    let typed: E =
        serde_json::from_value(event).map_err(|error| InvocationError::Shape(error.to_string()))?;
    let answered = handler(typed)
        .await
        .map_err(|error| InvocationError::Failed(error.to_string()))?;
    serde_json::to_value(answered).map_err(|error| InvocationError::Shape(error.to_string()))
}
