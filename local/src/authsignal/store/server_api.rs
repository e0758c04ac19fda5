//! The Server API's rules: track, validate, users and their authenticators.

use super::wire::{
    EnrollVerifiedAuthenticatorRequest, GetUserResponse, TrackAttributes, TrackResponse,
    UserActionState, UserAuthenticator, ValidateChallengeRequest, ValidateChallengeResponse,
    VerificationMethod,
};
use super::{
    Action, EmulatorError, Store, TOKEN_TTL, Token, allowed_methods, enrolled_methods,
    new_authenticator, random_token, timestamp,
};
use crate::contact::{is_action_code, is_e164, is_email};

impl Store {
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
        if attributes.username.is_some() {
            user.username.clone_from(&attributes.username);
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
                phone_hint: attributes.phone_number.clone(),
                redirect_url: attributes.redirect_url.clone(),
                expires_at: now + TOKEN_TTL,
                pending: None,
                pending_totp: None,
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
            username: user.and_then(|u| u.username.clone()),
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
                self.forget_totp(user_id, id);
                Ok(())
            }
            _ => Err(EmulatorError::new(
                404,
                "not_found",
                "The authenticator was not found.",
            )),
        }
    }
}
