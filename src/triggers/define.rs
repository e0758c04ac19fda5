//! Define auth challenge: reads the session Cognito keeps for this sign-in and decides the next
//! step. Pure: no I/O.
//!
//! | Mode | Session | Next |
//! |---|---|---|
//! | both | `userNotFound`, or an entry Cognito left empty | fail |
//! | `passwordless` | empty | `CUSTOM_CHALLENGE` |
//! | `password_then_mfa` | empty (no password offered) | fail |
//! | `password_then_mfa` | `[SRP_A]` | `PASSWORD_VERIFIER` |
//! | `password_then_mfa` | `[SRP_A, PASSWORD_VERIFIER ✓]` | `CUSTOM_CHALLENGE` |
//! | `password_then_mfa` | any other start (`PASSWORD_VERIFIER` ✗, other names) | fail |
//! | both | then only `CUSTOM_CHALLENGE` entries, the last one ✓ | issue tokens |
//! | both | … the last one blocked by Authsignal | fail |
//! | both | … `MAX_CHALLENGE_ATTEMPTS` failed | fail |
//! | both | … fewer failed | `CUSTOM_CHALLENGE` |
//! | both | any other challenge name after the password step | fail |
//!
//! Tokens are issued only when the last entry is a successful `CUSTOM_CHALLENGE`.

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsChallengeResult as SessionEntry,
    CognitoEventUserPoolsDefineAuthChallengeRequest as DefineRequest,
};

use super::{
    BLOCKED_METADATA, CUSTOM_CHALLENGE, DefineAuthChallengeEvent, PASSWORD_VERIFIER, SRP_A,
};
use crate::config::{SignInConfig, SignInMode};

/// What Define tells Cognito to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Present this challenge (`CUSTOM_CHALLENGE` or `PASSWORD_VERIFIER`).
    Challenge(&'static str),
    IssueTokens,
    /// End the sign-in; the reason is for the logs.
    Fail(&'static str),
}

/// The trigger: decides and writes the decision into the event's response.
pub fn define_auth_challenge(
    policy: &SignInConfig,
    mut event: DefineAuthChallengeEvent,
) -> DefineAuthChallengeEvent {
    let decision = decide(policy, &event.request);
    let response = &mut event.response;
    match decision {
        Decision::Challenge(name) => {
            response.challenge_name = Some(name.to_owned());
            response.issue_tokens = false;
            response.fail_authentication = false;
            tracing::info!(challenge = name, "next challenge");
        }
        Decision::IssueTokens => {
            response.challenge_name = None;
            response.issue_tokens = true;
            response.fail_authentication = false;
            tracing::info!("sign-in complete: issuing tokens");
        }
        Decision::Fail(reason) => {
            response.challenge_name = None;
            response.issue_tokens = false;
            response.fail_authentication = true;
            tracing::info!(reason, "sign-in failed");
        }
    }
    event
}

/// The decision table in the module docs.
pub fn decide(policy: &SignInConfig, request: &DefineRequest) -> Decision {
    if request.user_not_found {
        return Decision::Fail("user not found");
    }
    let Some(session) = request
        .session
        .iter()
        .map(Option::as_ref)
        .collect::<Option<Vec<&SessionEntry>>>()
    else {
        return Decision::Fail("the session has an empty entry");
    };
    let custom_rounds = match policy.mode {
        SignInMode::Passwordless => &session[..],
        SignInMode::PasswordThenMfa => match session.as_slice() {
            [srp] if is(srp, SRP_A) => return Decision::Challenge(PASSWORD_VERIFIER),
            [srp, password, rest @ ..]
                if is(srp, SRP_A)
                    && is(password, PASSWORD_VERIFIER)
                    && password.challenge_result =>
            {
                rest
            }
            [] => return Decision::Fail("a password is required before the challenge"),
            _ => return Decision::Fail("the password step is missing or failed"),
        },
    };
    if !custom_rounds
        .iter()
        .all(|entry| is(entry, CUSTOM_CHALLENGE))
    {
        return Decision::Fail("unexpected challenge in the session");
    }
    let failures = custom_rounds.iter().filter(|e| !e.challenge_result).count();
    match custom_rounds.last() {
        None => Decision::Challenge(CUSTOM_CHALLENGE),
        Some(last) if last.challenge_result => Decision::IssueTokens,
        Some(last) if last.challenge_metadata.as_deref() == Some(BLOCKED_METADATA) => {
            Decision::Fail("blocked by Authsignal")
        }
        Some(_) if failures >= policy.max_challenge_attempts as usize => {
            Decision::Fail("too many wrong answers")
        }
        Some(_) => Decision::Challenge(CUSTOM_CHALLENGE),
    }
}

fn is(entry: &SessionEntry, name: &str) -> bool {
    entry.challenge_name.as_deref() == Some(name)
}
