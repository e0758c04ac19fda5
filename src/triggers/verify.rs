//! Verify auth challenge response: the answer is the Authsignal validation token the client got
//! from completing the challenge, raw or as JSON `{"token": "..."}`. It is validated at Authsignal
//! with `userId = sub` and the sign-in action, and is correct only if Authsignal says
//! `isValid` with state `CHALLENGE_SUCCEEDED` (`ALLOW` too when `ACCEPT_ALLOW_STATE=true`, never
//! in a first-authenticator round) for this user, this action and this very round (the
//! idempotency key Create tracked).
//!
//! **First-authenticator rounds** (Create has just enrolled the user's own Cognito email or
//! phone number as their first authenticator, because they had none): the answer is correct only
//! when Authsignal says the method was an email code (or an SMS code) and the user's
//! authenticators of that kind are all their own Cognito `email` (or `phone_number`), compared
//! ignoring ASCII case. Anything else found on the account (nothing a sign-in token can add once
//! the contact is enrolled, but an account can be changed elsewhere) is removed, with one audit
//! line and one change event each, and a proof of a foreign contact is refused. A correct answer
//! marks the contact verified in the user pool (a failure there is logged as `CONTACT NOT
//! MARKED VERIFIED`; the attribute then stays unverified). In later rounds a proof of a contact
//! not yet marked verified marks it too, when the user's authenticators of that kind are all that
//! very address; nothing is removed there.
//!
//! **Passkey sign-in answers** (`{"token": "...", "kind": "passkeySignIn"}`): the token of a
//! passkey sign-in the client ran itself before the round existed (usernameless, or autofill on
//! the username field), so it cannot carry the round's idempotency key. What it must prove
//! instead: Authsignal validates it for this user (`userId` = `sub`) and the sign-in action with
//! state `CHALLENGE_SUCCEEDED` by `PASSKEY`; the challenge succeeded no more than
//! `PASSKEY_SIGN_IN_MAX_AGE_SECONDS` ago; and that challenge answers one round only, across
//! instances (the replay store, keyed by user, action and the challenge's idempotency key; a
//! store that cannot answer refuses). Every answer proved by a passkey, a round's own included,
//! is recorded there, so no passkey proof answers two rounds. It never answers a
//! first-authenticator round, where only the user's own contact counts.
//!
//! Never an error: a malformed answer, an upstream error or a timeout is a wrong answer, logged,
//! so nothing internal reaches Cognito's message to the client. The whole check runs within
//! [`VERIFY_BUDGET`], inside Cognito's 5 s.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::{SignInChallenge, VerifyAuthChallengeEvent, private};
use crate::authsignal::{
    AuthsignalError, UserActionState, UserAuthenticator, ValidateChallengeRequest,
    VerificationMethod,
};
use crate::contact::ContactAttribute;
use crate::events::{self, ChangeDetail, ChangeEvent, ChangeKind, SIGN_IN_ACTOR};
use crate::replay::ChallengeDigest;

/// Longest answer accepted; Authsignal tokens are far shorter.
const MAX_ANSWER_BYTES: usize = 8 * 1024;
/// The longest Verify takes before answering "wrong": a first-authenticator round makes several
/// calls (validate, list, removals, the user pool), and Cognito gives the trigger 5 s, cold
/// start included.
pub const VERIFY_BUDGET: Duration = Duration::from_millis(4_000);
/// How far ahead of this clock Authsignal's may run before a passkey sign-in counts as dated in
/// the future.
const CLOCK_SKEW: Duration = Duration::from_secs(30);

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
    NotValid {
        state: Option<UserActionState>,
    },
    Mismatch(&'static str),
    /// A first-authenticator round answered with a method that proves no contact (a passkey,
    /// an authenticator app, or no method at all).
    NoContactProved(Option<VerificationMethod>),
    /// In a first-authenticator round, what was proved is not the user's own Cognito contact.
    ForeignContact(ContactAttribute),
    /// A foreign authenticator could not be removed, so the account is not yet safe to enter.
    ForeignNotRemoved,
    /// The check did not finish within [`VERIFY_BUDGET`].
    TimedOut,
    /// A passkey sign-in answer proved something else than a passkey.
    NotAPasskey(Option<VerificationMethod>),
    /// A passkey sign-in answer older than the configured maximum, or of no known age.
    Stale,
    /// The passkey sign-in already answered a round.
    Replayed,
    /// The replay store could not say whether the passkey sign-in was used: refused.
    ReplayStoreUnavailable(String),
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
            Refusal::NoContactProved(method) => write!(
                f,
                "a first-authenticator round needs a proof of the user's own email or phone, not {}",
                method
                    .as_ref()
                    .map_or("no method", VerificationMethod::as_str)
            ),
            Refusal::ForeignContact(contact) => write!(
                f,
                "the proved {} is not the user's own Cognito attribute",
                contact.name()
            ),
            Refusal::ForeignNotRemoved => {
                f.write_str("a foreign authenticator could not be removed")
            }
            Refusal::TimedOut => write!(f, "no decision within {VERIFY_BUDGET:?}"),
            Refusal::NotAPasskey(method) => write!(
                f,
                "a passkey sign-in answer was proved by {}",
                method
                    .as_ref()
                    .map_or("no method", VerificationMethod::as_str)
            ),
            Refusal::Stale => f.write_str("the passkey sign-in is too old to answer this round"),
            Refusal::Replayed => f.write_str("the passkey sign-in already answered a round"),
            Refusal::ReplayStoreUnavailable(error) => {
                write!(f, "single use could not be checked: {error}")
            }
        }
    }
}

impl SignInChallenge {
    /// The trigger.
    pub async fn verify_auth_challenge_response(
        &self,
        mut event: VerifyAuthChallengeEvent,
    ) -> VerifyAuthChallengeEvent {
        let checked = tokio::time::timeout(VERIFY_BUDGET, self.check_answer(&event))
            .await
            .unwrap_or(Err(Refusal::TimedOut));
        let correct = match checked {
            Ok(()) => {
                tracing::info!("sign-in answer accepted");
                true
            }
            Err(
                refusal @ (Refusal::Upstream(_)
                | Refusal::ForeignNotRemoved
                | Refusal::TimedOut
                | Refusal::ReplayStoreUnavailable(_)),
            ) => {
                tracing::warn!(reason = %refusal, "sign-in answer refused");
                false
            }
            Err(refusal @ (Refusal::ForeignContact(_) | Refusal::NoContactProved(_))) => {
                tracing::warn!(reason = %refusal, "sign-in answer refused: not the user's own contact");
                false
            }
            Err(refusal @ Refusal::Replayed) => {
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

    /// `Ok` only for a token Authsignal validated for this user and action, bound to this round
    /// (or, for a passkey sign-in answer, recent, by passkey and used once), that in a
    /// first-authenticator round proved the user's own contact.
    pub async fn check_answer(&self, event: &VerifyAuthChallengeEvent) -> Result<(), Refusal> {
        let request = &event.request;
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
        // Only Create's explicit "false" relaxes the rule (a round from before the rule existed
        // is treated as a first one).
        let first_authenticator = parameters
            .get(private::FIRST_AUTHENTICATOR)
            .map(String::as_str)
            != Some("false");
        let Answer { token, kind } =
            parse_answer(request.challenge_answer.as_ref()).ok_or(Refusal::MalformedAnswer)?;
        if kind == AnswerKind::PasskeySignIn && first_authenticator {
            return Err(Refusal::NoContactProved(Some(VerificationMethod::Passkey)));
        }
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
            // ALLOW proves nothing; in a first-authenticator round it would let anyone in.
            Some(UserActionState::Allow) => {
                self.policy.accept_allow_state && !first_authenticator && kind == AnswerKind::Round
            }
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
        let method = validation.verification_method.as_ref();
        let succeeded_at = validation
            .state_updated_at
            .as_deref()
            .and_then(|at| humantime::parse_rfc3339_weak(at).ok());
        match kind {
            AnswerKind::Round => {
                if validation.idempotency_key.as_ref() != Some(round) {
                    return Err(Refusal::Mismatch("sign-in round"));
                }
            }
            AnswerKind::PasskeySignIn => {
                if method != Some(&VerificationMethod::Passkey) {
                    return Err(Refusal::NotAPasskey(method.cloned()));
                }
                if !self.is_recent(succeeded_at.ok_or(Refusal::Stale)?) {
                    return Err(Refusal::Stale);
                }
            }
        }
        // One passkey challenge answers one round, whichever way it is presented: a round's own
        // proof is otherwise still a fresh passkey sign-in for the next round.
        if method == Some(&VerificationMethod::Passkey) {
            let challenge = validation
                .idempotency_key
                .as_deref()
                .ok_or(Refusal::Mismatch("passkey challenge"))?;
            let succeeded_at = succeeded_at.unwrap_or_else(SystemTime::now);
            self.use_passkey_challenge_once(sub, challenge, succeeded_at)
                .await?;
        }
        if first_authenticator {
            self.check_own_contact(event, sub, round, method).await?;
        } else {
            self.record_proof_if_unverified(event, sub, method).await;
        }
        Ok(())
    }

    /// Whether a passkey sign-in that succeeded at `succeeded_at` may still answer a round.
    fn is_recent(&self, succeeded_at: SystemTime) -> bool {
        match SystemTime::now().duration_since(succeeded_at) {
            Ok(age) => age <= self.policy.passkey_sign_in_max_age,
            Err(ahead) => ahead.duration() <= CLOCK_SKEW,
        }
    }

    /// Marks the passkey challenge used; refused when it already answered a round, or when the
    /// store cannot say.
    async fn use_passkey_challenge_once(
        &self,
        sub: &str,
        challenge: &str,
        succeeded_at: SystemTime,
    ) -> Result<(), Refusal> {
        let digest = ChallengeDigest::of(sub, &self.action, challenge);
        // Kept until the age rule alone would refuse it.
        let forget_after = succeeded_at + self.policy.passkey_sign_in_max_age + CLOCK_SKEW;
        match self.replay.first_use(&digest, forget_after).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Refusal::Replayed),
            Err(error) => Err(Refusal::ReplayStoreUnavailable(error.to_string())),
        }
    }

    /// In a later round (the first one's answer may have been wrong), a proof of the contact
    /// still marks it verified, when every authenticator of that kind is the user's own Cognito
    /// value. An authenticator of another address (the user changed their Cognito email since)
    /// proves nothing about the new one, and nothing is removed outside a first round.
    async fn record_proof_if_unverified(
        &self,
        event: &VerifyAuthChallengeEvent,
        sub: &str,
        method: Option<&VerificationMethod>,
    ) {
        let attributes = &event.request.user_attributes;
        let Some(contact) = method.and_then(ContactAttribute::proved_by) else {
            return;
        };
        let Some(value) = attributes.get(contact.name()).filter(|v| !v.is_empty()) else {
            return;
        };
        if attributes.get(contact.verified_name()).map(String::as_str) == Some("true") {
            return;
        }
        let authenticators = match self.authsignal.get_authenticators(sub).await {
            Ok(authenticators) => authenticators,
            Err(error) => {
                tracing::warn!(%error, "contact proved, not marked verified: the authenticators could not be listed");
                return;
            }
        };
        let enrolled: Vec<&str> = authenticators
            .iter()
            .filter_map(|a| contact.of(a))
            .collect();
        if !enrolled.is_empty()
            && enrolled
                .iter()
                .all(|enrolled| contact.same(enrolled, value))
        {
            self.record_proof(event, contact, value).await;
        }
    }

    /// The first-authenticator rule (module docs): removes every authenticator that is not the
    /// user's own contact, then accepts only a proof of that contact, and records it.
    async fn check_own_contact(
        &self,
        event: &VerifyAuthChallengeEvent,
        sub: &str,
        round: &str,
        method: Option<&VerificationMethod>,
    ) -> Result<(), Refusal> {
        let attributes = &event.request.user_attributes;
        let is_own = |authenticator: &UserAuthenticator| {
            [ContactAttribute::Email, ContactAttribute::PhoneNumber]
                .into_iter()
                .any(|contact| {
                    let cognito = attributes.get(contact.name());
                    match (contact.of(authenticator), cognito) {
                        (Some(enrolled), Some(cognito)) => contact.same(enrolled, cognito),
                        _ => false,
                    }
                })
        };
        let authenticators = self
            .authsignal
            .get_authenticators(sub)
            .await
            .map_err(Refusal::Upstream)?;
        let (own, foreign): (Vec<_>, Vec<_>) = authenticators.into_iter().partition(is_own);
        let mut all_removed = true;
        for authenticator in &foreign {
            all_removed &= self.remove_foreign(event, sub, round, authenticator).await;
        }

        let contact = method
            .and_then(ContactAttribute::proved_by)
            .ok_or_else(|| Refusal::NoContactProved(method.cloned()))?;
        // A foreign authenticator of the proved kind may be the one that was proved.
        let proved = attributes.get(contact.name()).map(String::as_str);
        let (Some(proved), false) = (proved, foreign.iter().any(|a| contact.of(a).is_some()))
        else {
            return Err(Refusal::ForeignContact(contact));
        };
        if !own.iter().any(|a| contact.of(a).is_some()) {
            return Err(Refusal::ForeignContact(contact));
        }
        if !all_removed {
            return Err(Refusal::ForeignNotRemoved);
        }
        self.record_proof(event, contact, proved).await;
        Ok(())
    }

    /// Marks the proved contact verified in the user pool. A failure is logged, not a refusal:
    /// the user did prove it, and the attribute stays unverified (the safe direction).
    async fn record_proof(
        &self,
        event: &VerifyAuthChallengeEvent,
        contact: ContactAttribute,
        proved: &str,
    ) {
        let Some(contacts) = &self.contacts else {
            tracing::warn!(
                attribute = contact.name(),
                "contact proved but not recorded: no user pool client is configured"
            );
            return;
        };
        let header = &event.cognito_event_user_pools_header;
        let (Some(pool), Some(username)) =
            (header.user_pool_id.as_deref(), header.user_name.as_deref())
        else {
            tracing::error!("CONTACT NOT MARKED VERIFIED: the event names no pool or user");
            return;
        };
        match contacts
            .mark_verified(pool, username, contact, proved)
            .await
        {
            Ok(()) => tracing::info!(
                attribute = contact.verified_name(),
                "contact proved and marked verified"
            ),
            Err(error) => tracing::error!(
                %error,
                attribute = contact.verified_name(),
                "CONTACT NOT MARKED VERIFIED"
            ),
        }
    }

    /// Removes an authenticator that is not the user's own contact; logs and publishes the
    /// removal. `false` when Authsignal could not remove it.
    async fn remove_foreign(
        &self,
        event: &VerifyAuthChallengeEvent,
        sub: &str,
        round: &str,
        authenticator: &UserAuthenticator,
    ) -> bool {
        let id = &authenticator.user_authenticator_id;
        let method = authenticator.verification_method.to_string();
        match self.authsignal.delete_authenticator(sub, id).await {
            Ok(()) | Err(AuthsignalError::NotFound(_)) => {}
            Err(error) => {
                tracing::error!(%error, authenticator_id = %id, verification_method = %method, "FOREIGN AUTHENTICATOR NOT REMOVED");
                return false;
            }
        }
        let client_id = event
            .cognito_event_user_pools_header
            .caller_context
            .client_id
            .clone()
            .unwrap_or_default();
        let removed = ChangeEvent {
            kind: ChangeKind::ForeignAuthenticatorRemoved,
            detail: ChangeDetail {
                actor: SIGN_IN_ACTOR.to_owned(),
                subject: sub.to_owned(),
                authenticator_id: Some(id.clone()),
                verification_method: Some(method),
                request_id: round.to_owned(),
                origin_jti: None,
                client_id,
                proof: None,
                reason: None,
                removed: None,
                kept: None,
            },
        };
        events::record(self.changes.as_deref(), &removed).await;
        true
    }
}

/// What an answer claims to prove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// This round's challenge, run with the token or URL Create handed out.
    Round,
    /// A passkey sign-in the client ran itself before the round (`"kind": "passkeySignIn"`).
    PasskeySignIn,
}

/// An answer: a validation token and what it claims to prove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub token: String,
    pub kind: AnswerKind,
}

/// The raw token string (a round's answer), or a JSON object string with a `token` member and an
/// optional `kind` (`"round"`, the default, or `"passkeySignIn"`).
pub fn parse_answer(answer: Option<&Value>) -> Option<Answer> {
    let text = answer?.as_str()?.trim();
    if text.is_empty() || text.len() > MAX_ANSWER_BYTES {
        return None;
    }
    let (token, kind) = if text.starts_with('{') {
        let object: serde_json::Map<String, Value> = serde_json::from_str(text).ok()?;
        let kind = match object.get("kind") {
            None => AnswerKind::Round,
            Some(kind) => match kind.as_str()? {
                "round" => AnswerKind::Round,
                "passkeySignIn" => AnswerKind::PasskeySignIn,
                _ => return None,
            },
        };
        (object.get("token")?.as_str()?.trim().to_owned(), kind)
    } else {
        (text.to_owned(), AnswerKind::Round)
    };
    let well_formed = !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    well_formed.then_some(Answer { token, kind })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(answer: &Value) -> Option<String> {
        parse_answer(Some(answer)).map(|answer| answer.token)
    }

    #[test]
    fn answers_are_a_raw_token_or_a_json_object_with_one() {
        assert_eq!(token(&json!("abc.def")).as_deref(), Some("abc.def"));
        assert_eq!(
            parse_answer(Some(&json!(" {\"token\": \"abc\"} "))),
            Some(Answer {
                token: "abc".into(),
                kind: AnswerKind::Round
            })
        );
        assert_eq!(
            parse_answer(Some(&json!(
                "{\"token\": \"abc\", \"kind\": \"passkeySignIn\"}"
            ))),
            Some(Answer {
                token: "abc".into(),
                kind: AnswerKind::PasskeySignIn
            })
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
            json!("{\"token\": \"abc\", \"kind\": \"magic\"}"),
            json!("{\"token\": \"abc\", \"kind\": 1}"),
        ] {
            assert_eq!(parse_answer(Some(&bad)), None, "{bad}");
        }
        assert_eq!(parse_answer(None), None);
    }
}
