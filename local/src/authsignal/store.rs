//! The emulator's in-memory tenant and its rules (see the module docs of `super`).

mod passkeys;

pub use passkeys::{CEREMONY_TTL, RelyingParty};

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::wire::{
    EnrollVerifiedAuthenticatorRequest, GetUserResponse, TrackAttributes, TrackResponse,
    UserActionState, UserAuthenticator, ValidateChallengeRequest, ValidateChallengeResponse,
    VerificationMethod,
};
use crate::contact::{is_action_code, is_e164, is_email, mask_email};

/// Client tokens and validation tokens live this long (Authsignal: 10 minutes).
pub const TOKEN_TTL: Duration = Duration::from_secs(600);
/// An emailed code is valid this long.
pub const OTP_TTL: Duration = Duration::from_secs(600);
/// Wrong codes allowed before the challenge is void.
pub const MAX_OTP_ATTEMPTS: u32 = 5;
/// The scope needed to add an authenticator once the user has one.
pub const ADD_AUTHENTICATORS: &str = "add:authenticators";

/// An error shaped like Authsignal's: `{ error, errorCode, errorDescription }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorError {
    pub status: u16,
    pub code: &'static str,
    pub description: String,
}

impl EmulatorError {
    pub fn new(status: u16, code: &'static str, description: impl Into<String>) -> Self {
        EmulatorError {
            status,
            code,
            description: description.into(),
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", description)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            401,
            "unauthorized",
            "The request is unauthorized. Check that your API key and region base URL are correctly configured.",
        )
    }

    pub fn body(&self) -> Value {
        json!({ "error": self.code, "errorCode": self.code, "errorDescription": self.description })
    }
}

#[derive(Default)]
pub struct Store {
    clock_offset: Duration,
    users: HashMap<String, User>,
    tokens: HashMap<String, Token>,
    outbox: Vec<OutboxMessage>,
    /// Passkey ceremonies in flight, by `challengeId`.
    ceremonies: HashMap<String, passkeys::Ceremony>,
}

#[derive(Default)]
struct User {
    email: Option<String>,
    phone_number: Option<String>,
    authenticators: Vec<UserAuthenticator>,
    actions: HashMap<String, Action>,
    /// The WebAuthn user handle, made at the first passkey registration.
    webauthn_handle: Option<uuid::Uuid>,
    passkeys: Vec<passkeys::StoredPasskey>,
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
    redirect_url: Option<String>,
    expires_at: SystemTime,
    pending: Option<PendingOtp>,
}

struct PendingOtp {
    email: String,
    code: String,
    sent_at: SystemTime,
    attempts: u32,
    /// `Some(id)` when verifying this code completes an enrollment.
    enrolls: Option<String>,
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

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    pub user_id: String,
    pub email: String,
    pub code: String,
    pub sent_at: String,
}

/// What the local pre-built UI page shows for a token.
pub struct UiView {
    pub action: String,
    pub state: String,
    pub scopes: Vec<String>,
    pub redirect_url: Option<String>,
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

    pub fn track(
        &mut self,
        user_id: &str,
        action: &str,
        attributes: &TrackAttributes,
        ui_base_url: &str,
    ) -> Result<TrackResponse, EmulatorError> {
        if !is_action_code(action) {
            return Err(EmulatorError::invalid_request(
                "The action code must match ^[a-zA-Z0-9_-]{1,64}$.",
            ));
        }
        if attributes.email.as_deref().is_some_and(|e| !is_email(e)) {
            return Err(EmulatorError::invalid_request(
                "email is not a valid email address.",
            ));
        }
        if attributes
            .phone_number
            .as_deref()
            .is_some_and(|p| !is_e164(p))
        {
            return Err(EmulatorError::invalid_request(
                "phoneNumber must be in E.164 format.",
            ));
        }
        let now = self.now();
        let idempotency_key = attributes
            .idempotency_key
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let user = self.user(user_id);
        if attributes.email.is_some() {
            user.email.clone_from(&attributes.email);
        }
        if attributes.phone_number.is_some() {
            user.phone_number.clone_from(&attributes.phone_number);
        }
        let enrolled = enrolled_methods(&user.authenticators);
        let state = if enrolled.is_empty() {
            UserActionState::Allow
        } else {
            UserActionState::ChallengeRequired
        };
        user.actions.insert(
            idempotency_key.clone(),
            Action {
                code: action.to_owned(),
                state: state.clone(),
                state_updated_at: now,
                verification_method: None,
            },
        );
        let scopes: Vec<String> = attributes
            .scope
            .as_deref()
            .unwrap_or("read:authenticators")
            .split_ascii_whitespace()
            .map(str::to_owned)
            .collect();
        let token = random_token();
        self.tokens.insert(
            token.clone(),
            Token {
                user_id: user_id.to_owned(),
                idempotency_key: idempotency_key.clone(),
                action: action.to_owned(),
                scopes,
                email_hint: attributes.email.clone(),
                redirect_url: attributes.redirect_url.clone(),
                expires_at: now + TOKEN_TTL,
                pending: None,
            },
        );
        let mut url = format!("{ui_base_url}/ui?token={token}");
        if attributes.redirect_to_settings == Some(true) {
            url.push_str("&screen=settings");
        }
        Ok(TrackResponse {
            state,
            idempotency_key,
            url: Some(url),
            token: Some(token),
            is_enrolled: !enrolled.is_empty(),
            default_verification_method: enrolled.first().cloned(),
            enrolled_verification_methods: Some(enrolled),
            allowed_verification_methods: Some(allowed_methods()),
            rule_ids: Some(Vec::new()),
        })
    }

    pub fn validate(&mut self, request: &ValidateChallengeRequest) -> ValidateChallengeResponse {
        let now = self.now();
        let invalid = |error: &str| ValidateChallengeResponse {
            error: Some(error.to_owned()),
            ..ValidateChallengeResponse::default()
        };
        let Some(token) = self.tokens.get(&request.token) else {
            return invalid("The token is not valid.");
        };
        if request
            .user_id
            .as_ref()
            .is_some_and(|id| *id != token.user_id)
        {
            return invalid("The token was not issued for this userId.");
        }
        if request
            .action
            .as_ref()
            .is_some_and(|action| *action != token.action)
        {
            return invalid("The token was not issued for this action.");
        }
        let expired = token.expires_at <= now;
        let (user_id, key) = (token.user_id.clone(), token.idempotency_key.clone());
        let Some(action) = self
            .users
            .get(&user_id)
            .and_then(|user| user.actions.get(&key))
        else {
            return invalid("The token is not valid.");
        };
        let is_valid = !expired
            && matches!(
                action.state,
                UserActionState::ChallengeSucceeded | UserActionState::Allow
            );
        ValidateChallengeResponse {
            is_valid,
            state: Some(action.state.clone()),
            state_updated_at: Some(timestamp(action.state_updated_at)),
            user_id: Some(user_id),
            action_code: Some(action.code.clone()),
            action: None,
            idempotency_key: Some(key),
            verification_method: action.verification_method.clone(),
            error: expired.then(|| "The token has expired.".to_owned()),
        }
    }

    pub fn get_user(&self, user_id: &str) -> GetUserResponse {
        let user = self.users.get(user_id);
        let authenticators = user
            .map(|u| u.authenticators.as_slice())
            .unwrap_or_default();
        let enrolled = enrolled_methods(authenticators);
        let has = |method: VerificationMethod| {
            authenticators
                .iter()
                .any(|a| a.verification_method == method)
        };
        GetUserResponse {
            is_enrolled: !enrolled.is_empty(),
            email: user.and_then(|u| u.email.clone()),
            email_verified: Some(has(VerificationMethod::EmailOtp)),
            phone_number: user.and_then(|u| u.phone_number.clone()),
            phone_number_verified: Some(has(VerificationMethod::Sms)),
            username: None,
            display_name: None,
            default_verification_method: enrolled.first().cloned(),
            enrolled_verification_methods: Some(enrolled),
            allowed_verification_methods: Some(allowed_methods()),
        }
    }

    pub fn authenticators(&self, user_id: &str) -> Vec<UserAuthenticator> {
        self.users
            .get(user_id)
            .map(|u| u.authenticators.clone())
            .unwrap_or_default()
    }

    pub fn enroll_verified(
        &mut self,
        user_id: &str,
        request: &EnrollVerifiedAuthenticatorRequest,
    ) -> Result<UserAuthenticator, EmulatorError> {
        let email = request.email.clone();
        let phone = request.phone_number.clone();
        match &request.verification_method {
            VerificationMethod::EmailOtp | VerificationMethod::EmailMagicLink => {
                if !email.as_deref().is_some_and(is_email) {
                    return Err(EmulatorError::invalid_request("A valid email is required."));
                }
            }
            VerificationMethod::Sms | VerificationMethod::Whatsapp => {
                if !phone.as_deref().is_some_and(is_e164) {
                    return Err(EmulatorError::invalid_request(
                        "A phoneNumber in E.164 format is required.",
                    ));
                }
            }
            VerificationMethod::AuthenticatorApp => {}
            other => {
                return Err(EmulatorError::invalid_request(format!(
                    "{other} cannot be enrolled as a verified authenticator."
                )));
            }
        }
        let now = timestamp(self.now());
        let mut authenticator = new_authenticator(
            user_id,
            uuid::Uuid::new_v4().to_string(),
            request.verification_method.clone(),
            &now,
        );
        authenticator.email.clone_from(&email);
        authenticator.phone_number.clone_from(&phone);
        let user = self.user(user_id);
        if email.is_some() {
            user.email = email;
        }
        if phone.is_some() {
            user.phone_number = phone;
        }
        user.authenticators.push(authenticator.clone());
        Ok(authenticator)
    }

    pub fn delete_authenticator(&mut self, user_id: &str, id: &str) -> Result<(), EmulatorError> {
        let user = self.users.get_mut(user_id);
        let position = user.as_ref().and_then(|u| {
            u.authenticators
                .iter()
                .position(|a| a.user_authenticator_id == id)
        });
        match (user, position) {
            (Some(user), Some(index)) => {
                user.authenticators.remove(index);
                self.forget_passkey(user_id, id);
                Ok(())
            }
            _ => Err(EmulatorError::new(
                404,
                "not_found",
                "The authenticator was not found.",
            )),
        }
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

    fn send_code(&mut self, user_id: &str, email: &str) -> PendingOtp {
        let code = format!("{:06}", fastrand::u32(0..1_000_000));
        let sent_at = self.now();
        self.outbox.push(OutboxMessage {
            user_id: user_id.to_owned(),
            email: email.to_owned(),
            code: code.clone(),
            sent_at: timestamp(sent_at),
        });
        PendingOtp {
            email: email.to_owned(),
            code,
            sent_at,
            attempts: 0,
            enrolls: None,
        }
    }

    /// `POST /client/user-authenticators/email-otp {email}`.
    pub fn client_enroll_email(
        &mut self,
        bearer: Option<&str>,
        email: &str,
    ) -> Result<Value, EmulatorError> {
        let (user_id, scopes) = {
            let token = self.client_token(bearer)?;
            (token.user_id.clone(), token.scopes.clone())
        };
        self.check_may_add(&user_id, &scopes)?;
        if !is_email(email) {
            return Err(EmulatorError::invalid_request(
                "email is not a valid email address.",
            ));
        }
        let already = self.users.get(&user_id).is_some_and(|u| {
            u.authenticators.iter().any(|a| {
                a.verification_method == VerificationMethod::EmailOtp
                    && a.email.as_deref() == Some(email)
            })
        });
        if already {
            return Err(EmulatorError::invalid_request(
                "This email is already enrolled.",
            ));
        }
        let authenticator_id = uuid::Uuid::new_v4().to_string();
        let mut pending = self.send_code(&user_id, email);
        pending.enrolls = Some(authenticator_id.clone());
        self.client_token(bearer)?.pending = Some(pending);
        Ok(json!({ "userAuthenticatorId": authenticator_id, "userId": user_id }))
    }

    /// `POST /client/challenge/email-otp`: a code to the enrolled email, or, for a user
    /// without one, to the email given to track (which enrolls it on verify).
    pub fn client_challenge_email(&mut self, bearer: Option<&str>) -> Result<Value, EmulatorError> {
        let (user_id, scopes, hint) = {
            let token = self.client_token(bearer)?;
            (
                token.user_id.clone(),
                token.scopes.clone(),
                token.email_hint.clone(),
            )
        };
        let enrolled = self.users.get(&user_id).and_then(|u| {
            u.authenticators
                .iter()
                .find(|a| a.verification_method == VerificationMethod::EmailOtp)
                .and_then(|a| a.email.clone())
        });
        let pending = match (enrolled, hint) {
            (Some(email), _) => self.send_code(&user_id, &email),
            (None, Some(email)) => {
                self.check_may_add(&user_id, &scopes)?;
                let mut pending = self.send_code(&user_id, &email);
                pending.enrolls = Some(uuid::Uuid::new_v4().to_string());
                pending
            }
            (None, None) => {
                return Err(EmulatorError::invalid_request(
                    "The user has no email OTP authenticator and track was given no email.",
                ));
            }
        };
        self.client_token(bearer)?.pending = Some(pending);
        Ok(json!({ "challengeId": uuid::Uuid::new_v4().to_string() }))
    }

    /// `POST /client/verify/email-otp {verificationCode}`.
    pub fn client_verify_email(
        &mut self,
        bearer: Option<&str>,
        code: &str,
    ) -> Result<Value, EmulatorError> {
        let now = self.now();
        let token = self.client_token(bearer)?;
        let Some(pending) = token.pending.as_mut() else {
            return Err(EmulatorError::invalid_request(
                "No email OTP challenge is in progress.",
            ));
        };
        if pending.attempts >= MAX_OTP_ATTEMPTS {
            token.pending = None;
            return Ok(json!({ "isVerified": false, "failureReason": "MAX_ATTEMPTS_EXCEEDED" }));
        }
        let fresh = now < pending.sent_at + OTP_TTL;
        if !fresh || pending.code != code {
            pending.attempts += 1;
            return Ok(json!({ "isVerified": false, "failureReason": "CODE_INVALID_OR_EXPIRED" }));
        }
        let pending = token
            .pending
            .take()
            .unwrap_or_else(|| unreachable!("checked above"));
        let succeeded = Succeeded::of(token);
        let user_id = succeeded.user_id.clone();
        let stamp = timestamp(now);
        let user = self.user(&user_id);
        let enrolled = match pending.enrolls {
            Some(id) => {
                let mut authenticator =
                    new_authenticator(&user_id, id, VerificationMethod::EmailOtp, &stamp);
                authenticator.last_verified_at = Some(stamp.clone());
                authenticator.email = Some(pending.email.clone());
                user.email.get_or_insert(pending.email.clone());
                user.authenticators.push(authenticator.clone());
                Some(authenticator)
            }
            None => {
                if let Some(existing) = user.authenticators.iter_mut().find(|a| {
                    a.verification_method == VerificationMethod::EmailOtp
                        && a.email.as_deref() == Some(pending.email.as_str())
                }) {
                    existing.last_verified_at = Some(stamp.clone());
                }
                None
            }
        };
        let validation_token = self.succeed(succeeded, VerificationMethod::EmailOtp);
        let mut body = json!({ "isVerified": true, "accessToken": validation_token });
        if let Some(mut authenticator) = enrolled {
            // The Client API shows masked contact details.
            authenticator.email = authenticator.email.as_deref().map(mask_email);
            body["userAuthenticator"] = serde_json::to_value(authenticator).unwrap_or(Value::Null);
        }
        Ok(body)
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
                redirect_url: None,
                expires_at: now + TOKEN_TTL,
                pending: None,
            },
        );
        validation_token
    }

    /// Latest code per (user, email), oldest first; optionally for one user or email.
    pub fn outbox(&self, user_id: Option<&str>, email: Option<&str>) -> Vec<OutboxMessage> {
        let mut latest: Vec<OutboxMessage> = Vec::new();
        for message in &self.outbox {
            if user_id.is_some_and(|id| id != message.user_id)
                || email.is_some_and(|e| e != message.email)
            {
                continue;
            }
            latest.retain(|m| !(m.user_id == message.user_id && m.email == message.email));
            latest.push(message.clone());
        }
        latest
    }

    pub fn ui_view(&self, token: &str) -> Option<UiView> {
        let token = self.tokens.get(token)?;
        let action = self
            .users
            .get(&token.user_id)?
            .actions
            .get(&token.idempotency_key)?;
        Some(UiView {
            action: token.action.clone(),
            state: action.state.to_string(),
            scopes: token.scopes.clone(),
            redirect_url: token.redirect_url.clone(),
        })
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
    use super::*;

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
        store.client_enroll_email(Some(&token), email).unwrap();
        let code = store.outbox(Some(user), Some(email)).pop().unwrap().code;
        let verified = store.client_verify_email(Some(&token), &code).unwrap();
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
            .client_enroll_email(Some(&unscoped), "other@example.com")
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
            .client_enroll_email(Some(&token), "jo@example.com")
            .unwrap();
        for _ in 0..MAX_OTP_ATTEMPTS {
            let outcome = store.client_verify_email(Some(&token), "not-it").unwrap();
            assert_eq!(outcome["failureReason"], "CODE_INVALID_OR_EXPIRED");
        }
        let outcome = store.client_verify_email(Some(&token), "whatever").unwrap();
        assert_eq!(outcome["failureReason"], "MAX_ATTEMPTS_EXCEEDED");
        assert!(store.authenticators("u1").is_empty());
    }

    #[test]
    fn tokens_expire_after_ten_minutes() {
        let mut store = Store::default();
        let token = track(&mut store, "u1", None).token.unwrap();
        store.advance_clock(TOKEN_TTL);
        let error = store
            .client_enroll_email(Some(&token), "jo@example.com")
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
