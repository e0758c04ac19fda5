//! Sign-in sessions, as Cognito keeps them between `InitiateAuth` and each
//! `RespondToAuthChallenge`: an opaque `Session` string, new every round and good for one use,
//! valid for three minutes (an app client's default `AuthSessionValidity`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_lambda_events::event::cognito::CognitoEventUserPoolsChallengeResult as SessionEntry;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::protocol::CognitoError;
use super::srp::ServerChallenge;

/// Cognito's default `AuthSessionValidity`.
pub const SESSION_VALIDITY: Duration = Duration::from_secs(180);

/// The challenge the client must answer next.
#[derive(Debug, Clone)]
pub enum Pending {
    /// A custom challenge: Create's private parameters and metadata wait for Verify.
    Custom {
        private_parameters: HashMap<String, String>,
        metadata: Option<String>,
    },
    /// The SRP password proof.
    PasswordVerifier(ServerChallenge),
}

impl Pending {
    pub fn challenge_name(&self) -> &'static str {
        match self {
            Pending::Custom { .. } => super::CUSTOM_CHALLENGE,
            Pending::PasswordVerifier(_) => super::PASSWORD_VERIFIER,
        }
    }
}

/// One sign-in in progress.
#[derive(Debug, Clone)]
pub struct AuthSession {
    /// The user's canonical username, or the name given for an unknown user.
    pub username: String,
    pub client_id: String,
    pub user_not_found: bool,
    /// What Define sees: every answered challenge so far.
    pub entries: Vec<SessionEntry>,
    pub pending: Pending,
}

#[derive(Default)]
pub struct Sessions {
    open: HashMap<String, (AuthSession, Instant)>,
    /// Ids already answered, until they would have expired: a reuse gets its own message.
    used: HashMap<String, Instant>,
}

impl Sessions {
    /// Stores `session` under a fresh opaque id, valid from `now`.
    pub fn open(&mut self, session: AuthSession, now: Instant) -> String {
        self.forget_expired(now);
        let mut bytes = [0u8; 48];
        aws_lc_rs::rand::fill(&mut bytes)
            .unwrap_or_else(|_| panic!("the system random generator is unavailable"));
        let id = URL_SAFE_NO_PAD.encode(bytes);
        self.open
            .insert(id.clone(), (session, now + SESSION_VALIDITY));
        id
    }

    /// Takes the session out: each id answers one round only.
    pub fn take(&mut self, id: &str, now: Instant) -> Result<AuthSession, CognitoError> {
        self.forget_expired(now);
        if self.used.contains_key(id) {
            return Err(CognitoError::not_authorized(
                "Invalid session for the user, session can only be used once.",
            ));
        }
        match self.open.remove(id) {
            Some((session, expires)) if expires > now => {
                self.used.insert(id.to_owned(), expires);
                Ok(session)
            }
            Some(_) => Err(CognitoError::not_authorized(
                "Invalid session for the user, session is expired.",
            )),
            None => Err(CognitoError::not_authorized(
                "Invalid session for the user.",
            )),
        }
    }

    fn forget_expired(&mut self, now: Instant) {
        self.used.retain(|_, expires| *expires > now);
        // Expired open sessions stay one more validity period so a late answer is told why.
        self.open
            .retain(|_, (_, expires)| *expires + SESSION_VALIDITY > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> AuthSession {
        AuthSession {
            username: "alice".into(),
            client_id: "client".into(),
            user_not_found: false,
            entries: Vec::new(),
            pending: Pending::Custom {
                private_parameters: HashMap::new(),
                metadata: None,
            },
        }
    }

    #[test]
    fn a_session_answers_one_round_and_each_round_gets_a_new_one() {
        let mut sessions = Sessions::default();
        let start = Instant::now();
        let first = sessions.open(session(), start);
        assert!(first.len() >= 64, "opaque and long: {first}");
        assert_eq!(sessions.take(&first, start).unwrap().username, "alice");
        let reused = sessions.take(&first, start).unwrap_err();
        assert_eq!(reused.kind, "NotAuthorizedException");
        assert!(reused.message.contains("only be used once"), "{reused}");
        let second = sessions.open(session(), start);
        assert_ne!(first, second);
        let unknown = sessions.take("made-up", start).unwrap_err();
        assert_eq!(unknown.message, "Invalid session for the user.");
    }

    #[test]
    fn a_session_expires_after_three_minutes() {
        let mut sessions = Sessions::default();
        let start = Instant::now();
        let id = sessions.open(session(), start);
        let later = start + SESSION_VALIDITY;
        let expired = sessions.take(&id, later).unwrap_err();
        assert_eq!(expired.kind, "NotAuthorizedException");
        assert!(expired.message.contains("expired"), "{expired}");

        let id = sessions.open(session(), start);
        assert!(
            sessions
                .take(&id, start + SESSION_VALIDITY - Duration::from_secs(1))
                .is_ok()
        );
    }
}
