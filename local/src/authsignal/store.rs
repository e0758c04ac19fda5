//! The emulator's in-memory tenant (users, their actions and authenticators, client tokens) and
//! the rules every part shares: what a token may do, when it expires, and what a succeeded
//! challenge yields. Each concern has a file: the Server API (`server_api`), codes by email
//! and SMS (`otp`), authenticator apps (`totp`), passkeys (`passkeys`), rate limits
//! (`limits`), the outbox (`outbox`), the pre-built UI's view (`views`), and Authsignal-shaped
//! errors (`error`).

mod error;
mod limits;
mod otp;
mod outbox;
mod passkeys;
mod server_api;
mod totp;
mod views;

pub use error::EmulatorError;
pub use limits::{CODE_VERIFICATIONS, EMAIL_OTP_SENDS, RateLimit, SMS_SENDS};
pub use otp::{Channel, MAX_OTP_ATTEMPTS, OTP_TTL};
pub use outbox::OutboxMessage;
pub use passkeys::{CEREMONY_TTL, RelyingParty};
pub use totp::{TOTP_SKEW_STEPS, TOTP_STEP_SECONDS};
pub use views::UiView;

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime};

use super::wire;
use wire::{UserActionState, UserAuthenticator, VerificationMethod};

/// Client tokens and validation tokens live this long (Authsignal: 10 minutes).
pub const TOKEN_TTL: Duration = Duration::from_secs(600);
/// The scope needed to add an authenticator once the user has one.
pub const ADD_AUTHENTICATORS: &str = "add:authenticators";

#[derive(Default)]
pub struct Store {
    clock_offset: Duration,
    users: HashMap<String, User>,
    tokens: HashMap<String, Token>,
    outbox: Vec<OutboxMessage>,
    /// Passkey ceremonies in flight, by `challengeId`.
    ceremonies: HashMap<String, passkeys::Ceremony>,
    /// Passkey sign-ins started without a token, by `challengeId`.
    sign_ins: HashMap<String, passkeys::PendingSignIn>,
    /// When each user last sent or verified codes, for the rate limits.
    rates: HashMap<(String, limits::Limited), VecDeque<SystemTime>>,
}

#[derive(Default)]
struct User {
    /// What track last gave as `username` (a passkey sign-in returns it).
    username: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    authenticators: Vec<UserAuthenticator>,
    actions: HashMap<String, Action>,
    /// The WebAuthn user handle, made at the first passkey registration.
    webauthn_handle: Option<uuid::Uuid>,
    passkeys: Vec<passkeys::StoredPasskey>,
    /// The authenticator app, once one is added.
    totp: Option<totp::StoredTotp>,
}

impl User {
    /// The listed authenticator with this id.
    fn listed_mut(&mut self, authenticator_id: &str) -> Option<&mut UserAuthenticator> {
        self.authenticators
            .iter_mut()
            .find(|a| a.user_authenticator_id == authenticator_id)
    }
}

struct Action {
    code: String,
    state: UserActionState,
    state_updated_at: SystemTime,
    verification_method: Option<VerificationMethod>,
}

/// A client token (from track) or a validation token (from a successful verify). Both
/// authorise Client API calls, as the browser SDK reuses the latter; both can be validated.
struct Token {
    user_id: String,
    idempotency_key: String,
    action: String,
    scopes: Vec<String>,
    email_hint: Option<String>,
    phone_hint: Option<String>,
    redirect_url: Option<String>,
    expires_at: SystemTime,
    /// The code sent by email or SMS that this token's next verify call answers.
    pending: Option<otp::PendingOtp>,
    /// An authenticator app this token is adding.
    pending_totp: Option<totp::PendingTotp>,
}

/// The action a client token stands for, once its challenge is passed.
struct Succeeded {
    user_id: String,
    idempotency_key: String,
    action: String,
    scopes: Vec<String>,
}

impl Succeeded {
    fn of(token: &Token) -> Self {
        Succeeded {
            user_id: token.user_id.clone(),
            idempotency_key: token.idempotency_key.clone(),
            action: token.action.clone(),
            scopes: token.scopes.clone(),
        }
    }
}

fn timestamp(at: SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn allowed_methods() -> Vec<VerificationMethod> {
    vec![
        VerificationMethod::EmailOtp,
        VerificationMethod::EmailMagicLink,
        VerificationMethod::Sms,
        VerificationMethod::AuthenticatorApp,
        VerificationMethod::Passkey,
    ]
}

impl Store {
    pub fn now(&self) -> SystemTime {
        SystemTime::now() + self.clock_offset
    }

    /// Moves the emulator's clock forward (tokens and codes expire accordingly).
    pub fn advance_clock(&mut self, by: Duration) -> SystemTime {
        self.clock_offset += by;
        self.now()
    }

    fn user(&mut self, user_id: &str) -> &mut User {
        self.users.entry(user_id.to_owned()).or_default()
    }

    /// The token behind a Client API `Authorization: Bearer` header.
    fn client_token(&mut self, bearer: Option<&str>) -> Result<&mut Token, EmulatorError> {
        let now = self.now();
        let token = bearer
            .and_then(|b| self.tokens.get_mut(b))
            .ok_or_else(|| EmulatorError::new(401, "unauthorized", "A valid token is required."))?;
        if token.expires_at <= now {
            return Err(EmulatorError::new(
                401,
                "expired_token",
                "The token has expired.",
            ));
        }
        Ok(token)
    }

    /// Authsignal's rule: adding to a user who already has an authenticator needs the scope.
    fn check_may_add(&self, user_id: &str, scopes: &[String]) -> Result<(), EmulatorError> {
        let has_any = self
            .users
            .get(user_id)
            .is_some_and(|u| !u.authenticators.is_empty());
        if has_any && !scopes.iter().any(|s| s == ADD_AUTHENTICATORS) {
            return Err(EmulatorError::new(
                403,
                "forbidden",
                "The token lacks the add:authenticators scope, required once the user has an authenticator.",
            ));
        }
        Ok(())
    }

    /// A challenge passed with `method`: the action becomes `CHALLENGE_SUCCEEDED` and a new
    /// validation token (which `/validate` accepts and the Client API takes as a bearer) is
    /// returned.
    fn succeed(&mut self, succeeded: Succeeded, method: VerificationMethod) -> String {
        let now = self.now();
        let Succeeded {
            user_id,
            idempotency_key,
            action,
            scopes,
        } = succeeded;
        if let Some(record) = self
            .users
            .get_mut(&user_id)
            .and_then(|user| user.actions.get_mut(&idempotency_key))
        {
            record.state = UserActionState::ChallengeSucceeded;
            record.state_updated_at = now;
            record.verification_method = Some(method);
        }
        let validation_token = random_token();
        self.tokens.insert(
            validation_token.clone(),
            Token {
                user_id,
                idempotency_key,
                action,
                scopes,
                email_hint: None,
                phone_hint: None,
                redirect_url: None,
                expires_at: now + TOKEN_TTL,
                pending: None,
                pending_totp: None,
            },
        );
        validation_token
    }
}

/// A verified authenticator created at `at`; contact details are filled in by the caller.
fn new_authenticator(
    user_id: &str,
    id: String,
    method: VerificationMethod,
    at: &str,
) -> UserAuthenticator {
    UserAuthenticator {
        user_authenticator_id: id,
        verification_method: method,
        created_at: Some(at.to_owned()),
        verified_at: Some(at.to_owned()),
        last_verified_at: None,
        user_id: Some(user_id.to_owned()),
        email: None,
        phone_number: None,
        username: None,
        display_name: None,
        previous_sms_channel: None,
        webauthn_credential: None,
    }
}

fn enrolled_methods(authenticators: &[UserAuthenticator]) -> Vec<VerificationMethod> {
    let mut methods: Vec<VerificationMethod> = Vec::new();
    for authenticator in authenticators {
        if !methods.contains(&authenticator.verification_method) {
            methods.push(authenticator.verification_method.clone());
        }
    }
    methods
}

#[cfg(test)]
mod tests {
    use super::wire::{TrackAttributes, TrackResponse, ValidateChallengeRequest};
    use super::*;
    use crate::contact::is_action_code;

    fn track(store: &mut Store, user: &str, scope: Option<&str>) -> TrackResponse {
        let attributes = TrackAttributes {
            scope: scope.map(str::to_owned),
            ..Default::default()
        };
        store
            .track(user, "addAuthenticator", &attributes, "http://x")
            .unwrap()
    }

    fn enroll_email(store: &mut Store, user: &str, email: &str, scope: Option<&str>) -> String {
        let token = track(store, user, scope).token.unwrap();
        store
            .client_enroll_otp(Some(&token), Channel::Email, email)
            .unwrap();
        let code = store.outbox(Some(user), Some(email)).pop().unwrap().code;
        let verified = store
            .client_verify_otp(Some(&token), Channel::Email, &code)
            .unwrap();
        verified["accessToken"].as_str().unwrap().to_owned()
    }

    #[test]
    fn the_first_authenticator_needs_no_scope_and_later_ones_do() {
        let mut store = Store::default();
        assert_eq!(track(&mut store, "u1", None).state, UserActionState::Allow);
        let validation = enroll_email(&mut store, "u1", "jo@example.com", None);
        assert!(
            store
                .validate(&ValidateChallengeRequest {
                    token: validation,
                    user_id: None,
                    action: None
                })
                .is_valid
        );
        assert_eq!(
            track(&mut store, "u1", None).state,
            UserActionState::ChallengeRequired
        );

        let unscoped = track(&mut store, "u1", None).token.unwrap();
        let refused = store
            .client_enroll_otp(Some(&unscoped), Channel::Email, "other@example.com")
            .unwrap_err();
        assert_eq!((refused.status, refused.code), (403, "forbidden"));
        enroll_email(
            &mut store,
            "u1",
            "other@example.com",
            Some("add:authenticators"),
        );
        assert_eq!(store.authenticators("u1").len(), 2);
    }

    #[test]
    fn wrong_codes_fail_and_the_attempts_are_bounded() {
        let mut store = Store::default();
        let token = track(&mut store, "u1", None).token.unwrap();
        store
            .client_enroll_otp(Some(&token), Channel::Email, "jo@example.com")
            .unwrap();
        for _ in 0..MAX_OTP_ATTEMPTS {
            let outcome = store
                .client_verify_otp(Some(&token), Channel::Email, "not-it")
                .unwrap();
            assert_eq!(outcome["failureReason"], "CODE_INVALID_OR_EXPIRED");
        }
        let outcome = store
            .client_verify_otp(Some(&token), Channel::Email, "whatever")
            .unwrap();
        assert_eq!(outcome["failureReason"], "MAX_ATTEMPTS_EXCEEDED");
        assert!(store.authenticators("u1").is_empty());
    }

    #[test]
    fn email_codes_past_the_send_limit_are_too_many_requests() {
        let mut store = Store::default();
        let attributes = TrackAttributes {
            email: Some("jo@example.com".into()),
            ..Default::default()
        };
        let token = store
            .track("u1", "signIn", &attributes, "http://x")
            .unwrap()
            .token
            .unwrap();
        for _ in 0..EMAIL_OTP_SENDS.max {
            store
                .client_challenge_otp(Some(&token), Channel::Email)
                .unwrap();
        }
        let refused = store
            .client_challenge_otp(Some(&token), Channel::Email)
            .unwrap_err();
        assert_eq!((refused.status, refused.code), (429, "too_many_requests"));
        assert_eq!(store.outbox.len(), EMAIL_OTP_SENDS.max);
        // Ten minutes on, with a new token (the old one has expired too).
        store.advance_clock(EMAIL_OTP_SENDS.window);
        let token = store
            .track("u1", "signIn", &attributes, "http://x")
            .unwrap()
            .token
            .unwrap();
        store
            .client_challenge_otp(Some(&token), Channel::Email)
            .unwrap();
    }

    #[test]
    fn tokens_expire_after_ten_minutes() {
        let mut store = Store::default();
        let token = track(&mut store, "u1", None).token.unwrap();
        store.advance_clock(TOKEN_TTL);
        let error = store
            .client_enroll_otp(Some(&token), Channel::Email, "jo@example.com")
            .unwrap_err();
        assert_eq!((error.status, error.code), (401, "expired_token"));
    }

    #[test]
    fn validate_checks_user_and_action() {
        let mut store = Store::default();
        let validation = enroll_email(&mut store, "u1", "jo@example.com", None);
        let request = |user: &str, action: &str| ValidateChallengeRequest {
            token: validation.clone(),
            user_id: Some(user.into()),
            action: Some(action.into()),
        };
        let ok = store.validate(&request("u1", "addAuthenticator"));
        assert!(ok.challenge_succeeded());
        assert_eq!(ok.action(), Some("addAuthenticator"));
        assert_eq!(ok.verification_method, Some(VerificationMethod::EmailOtp));
        assert!(!store.validate(&request("u2", "addAuthenticator")).is_valid);
        assert!(!store.validate(&request("u1", "signIn")).is_valid);
        store.advance_clock(TOKEN_TTL);
        assert!(!store.validate(&request("u1", "addAuthenticator")).is_valid);
    }

    #[test]
    fn action_codes() {
        assert!(
            is_action_code("add-Authenticator_2") && !is_action_code("a b") && !is_action_code("")
        );
    }
}
