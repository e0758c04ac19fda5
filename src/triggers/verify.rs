//! Verify auth challenge response: the answer is the Authsignal validation token the client got
//! from completing the challenge, raw or as JSON `{"token": "..."}`. It is validated at Authsignal
//! with `userId = sub` and the sign-in action, and is correct only if Authsignal says
//! `isValid` with state `CHALLENGE_SUCCEEDED` (`ALLOW` too when `ACCEPT_ALLOW_STATE=true`) for
//! this user, this action and this very round (the idempotency key Create tracked).
//!
//! Never an error: a malformed answer, an upstream error or a timeout is a wrong answer, logged,
//! so nothing internal reaches Cognito's message to the client.

use std::fmt;

use aws_lambda_events::event::cognito::CognitoEventUserPoolsVerifyAuthChallengeRequest as VerifyRequest;
use serde_json::Value;

use super::{SignInChallenge, VerifyAuthChallengeEvent, private};
use crate::authsignal::{AuthsignalError, UserActionState, ValidateChallengeRequest};

/// Longest answer accepted; Authsignal tokens are far shorter.
const MAX_ANSWER_BYTES: usize = 8 * 1024;

/// Why an answer was not accepted (for the logs).
#[derive(Debug)]
pub enum Refusal {
    UserNotFound,
    Blocked,
    NoSub,
    NoChallenge,
    OtherUser,
    MalformedAnswer,
    Upstream(AuthsignalError),
    NotValid { state: Option<UserActionState> },
    Mismatch(&'static str),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UserNotFound => f.write_str("user not found"),
            Refusal::Blocked => f.write_str("the round was blocked by Authsignal"),
            Refusal::NoSub => f.write_str("the event has no sub attribute"),
            Refusal::NoChallenge => {
                f.write_str("no Authsignal challenge in the private parameters")
            }
            Refusal::OtherUser => f.write_str("the challenge was created for another user"),
            Refusal::MalformedAnswer => f.write_str("the answer is not a token"),
            Refusal::Upstream(error) => write!(f, "Authsignal could not validate: {error}"),
            Refusal::NotValid { state } => {
                write!(f, "Authsignal says not valid (state {state:?})")
            }
            Refusal::Mismatch(what) => write!(f, "the validation is for another {what}"),
        }
    }
}

impl SignInChallenge {
    /// The trigger.
    pub async fn verify_auth_challenge_response(
        &self,
        mut event: VerifyAuthChallengeEvent,
    ) -> VerifyAuthChallengeEvent {
        let correct = match self.check_answer(&event.request).await {
            Ok(()) => {
                tracing::info!("sign-in answer accepted");
                true
            }
            Err(refusal @ Refusal::Upstream(_)) => {
                tracing::warn!(reason = %refusal, "sign-in answer refused");
                false
            }
            Err(refusal) => {
                tracing::info!(reason = %refusal, "sign-in answer refused");
                false
            }
        };
        event.response.answer_correct = correct;
        event
    }

    /// `Ok` only for a token Authsignal validated for this user, action and round.
    pub async fn check_answer(&self, request: &VerifyRequest) -> Result<(), Refusal> {
        if request.user_not_found {
            return Err(Refusal::UserNotFound);
        }
        let parameters = &request.private_challenge_parameters;
        if parameters.get(private::STATE).map(String::as_str) == Some("BLOCK") {
            return Err(Refusal::Blocked);
        }
        let sub = request
            .user_attributes
            .get("sub")
            .filter(|sub| !sub.is_empty())
            .ok_or(Refusal::NoSub)?;
        let round = parameters
            .get(private::IDEMPOTENCY_KEY)
            .ok_or(Refusal::NoChallenge)?;
        if parameters.get(private::USER_ID) != Some(sub) {
            return Err(Refusal::OtherUser);
        }
        let token =
            answer_token(request.challenge_answer.as_ref()).ok_or(Refusal::MalformedAnswer)?;
        let validation = self
            .authsignal
            .validate_challenge(&ValidateChallengeRequest {
                token,
                user_id: Some(sub.clone()),
                action: Some(self.action.clone()),
            })
            .await
            .map_err(Refusal::Upstream)?;
        let state_accepted = match validation.state {
            Some(UserActionState::ChallengeSucceeded) => true,
            Some(UserActionState::Allow) => self.policy.accept_allow_state,
            _ => false,
        };
        if !validation.is_valid || !state_accepted {
            return Err(Refusal::NotValid {
                state: validation.state,
            });
        }
        // Authsignal checked user and action; check what it answered too.
        if validation.user_id.as_deref().is_some_and(|id| id != sub) {
            return Err(Refusal::Mismatch("user"));
        }
        if validation
            .action()
            .is_some_and(|action| action != self.action)
        {
            return Err(Refusal::Mismatch("action"));
        }
        if validation.idempotency_key.as_ref() != Some(round) {
            return Err(Refusal::Mismatch("sign-in round"));
        }
        Ok(())
    }
}

/// The token in an answer: the raw string, or the `token` member of a JSON object string.
pub fn answer_token(answer: Option<&Value>) -> Option<String> {
    let text = answer?.as_str()?.trim();
    if text.is_empty() || text.len() > MAX_ANSWER_BYTES {
        return None;
    }
    let token = if text.starts_with('{') {
        let object: serde_json::Map<String, Value> = serde_json::from_str(text).ok()?;
        object.get("token")?.as_str()?.trim().to_owned()
    } else {
        text.to_owned()
    };
    let well_formed = !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    well_formed.then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_are_a_raw_token_or_a_json_object_with_one() {
        assert_eq!(
            answer_token(Some(&json!("abc.def"))).as_deref(),
            Some("abc.def")
        );
        assert_eq!(
            answer_token(Some(&json!(" {\"token\": \"abc\"} "))).as_deref(),
            Some("abc")
        );
        for bad in [
            json!(""),
            json!("   "),
            json!("{\"token\": 5}"),
            json!("{\"other\": \"abc\"}"),
            json!("{not json"),
            json!("two words"),
            json!("x".repeat(MAX_ANSWER_BYTES + 1)),
            json!(42),
            json!({"token": "abc"}),
        ] {
            assert_eq!(answer_token(Some(&bad)), None, "{bad}");
        }
        assert_eq!(answer_token(None), None);
    }
}
