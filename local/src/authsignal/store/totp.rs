//! Authenticator apps (TOTP, RFC 6238, by `totp-rs`): enrollment hands out a fresh 160-bit
//! secret and its `otpauth://` URI; a code verifies within one 30-second step either side of
//! the emulator's clock, and each step's code is accepted once.

use std::time::UNIX_EPOCH;

use serde_json::{Value, json};
use totp_rs::{Algorithm, Builder, Totp};

use super::limits::Limited;
use super::wire::VerificationMethod;
use super::{EmulatorError, Store, Succeeded, new_authenticator, timestamp};

/// Seconds per code, and steps of skew accepted either side (RFC 6238's recommendations).
pub const TOTP_STEP_SECONDS: u64 = 30;
pub const TOTP_SKEW_STEPS: u16 = 1;
/// The issuer an authenticator app shows next to the account.
const ISSUER: &str = "cognito-authsignal local";

/// An authenticator app being added: its secret, until a first code confirms it.
pub(super) struct PendingTotp {
    authenticator_id: String,
    secret: Vec<u8>,
}

/// An enrolled authenticator app: its secret and the last step a code was accepted for.
pub(super) struct StoredTotp {
    authenticator_id: String,
    secret: Vec<u8>,
    last_step: Option<u64>,
}

fn totp(secret: &[u8], account: &str) -> Result<Totp, EmulatorError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(TOTP_STEP_SECONDS)
        .with_skew(TOTP_SKEW_STEPS)
        .with_secret(secret.to_vec())
        .with_issuer(Some(ISSUER))
        .with_account_name(account.replace(':', "_"))
        .build()
        .map_err(|error| EmulatorError::new(500, "internal_error", error.to_string()))
}

fn refused() -> Value {
    json!({ "isVerified": false, "failureReason": "CODE_INVALID_OR_EXPIRED" })
}

impl Store {
    fn unix_seconds(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs())
            .unwrap_or_default()
    }

    /// `POST /client/user-authenticators/totp` → `{userAuthenticatorId, userId, uri, secret}`
    /// (base32); the app is added once a code from it verifies. One per user.
    pub fn client_enroll_totp(&mut self, bearer: Option<&str>) -> Result<Value, EmulatorError> {
        let (user_id, scopes) = {
            let token = self.client_token(bearer)?;
            (token.user_id.clone(), token.scopes.clone())
        };
        self.check_may_add(&user_id, &scopes)?;
        if self.users.get(&user_id).is_some_and(|u| u.totp.is_some()) {
            return Err(EmulatorError::invalid_request(
                "The user already has an authenticator app.",
            ));
        }
        let mut secret = vec![0u8; 20];
        aws_lc_rs::rand::fill(&mut secret)
            .map_err(|_| EmulatorError::new(500, "internal_error", "No randomness."))?;
        let account = self
            .users
            .get(&user_id)
            .and_then(|u| u.username.clone().or_else(|| u.email.clone()))
            .unwrap_or_else(|| user_id.clone());
        let generator = totp(&secret, &account)?;
        let uri = generator
            .to_url()
            .map_err(|error| EmulatorError::new(500, "internal_error", error.to_string()))?;
        let authenticator_id = uuid::Uuid::new_v4().to_string();
        let answer = json!({
            "userAuthenticatorId": authenticator_id,
            "userId": user_id,
            "uri": uri,
            "secret": generator.secret().to_base32(),
        });
        self.client_token(bearer)?.pending_totp = Some(PendingTotp {
            authenticator_id,
            secret,
        });
        Ok(answer)
    }

    /// `POST /client/verify/totp {verificationCode}`: confirms an app being added, or proves the
    /// enrolled one. A code from a step already used, or more than one step away, is refused.
    pub fn client_verify_totp(
        &mut self,
        bearer: Option<&str>,
        code: &str,
    ) -> Result<Value, EmulatorError> {
        let now = self.unix_seconds();
        let stamp = timestamp(self.now());
        let user_id = self.client_token(bearer)?.user_id.clone();
        self.spend(&user_id, Limited::VerifyTotp)?;
        let token = self.client_token(bearer)?;
        let succeeded = Succeeded::of(token);
        if let Some(pending) = token.pending_totp.as_ref() {
            let Some(step) = totp(&pending.secret, &user_id)?.check(code, now) else {
                return Ok(refused());
            };
            let pending = token
                .pending_totp
                .take()
                .unwrap_or_else(|| unreachable!("checked above"));
            let mut authenticator = new_authenticator(
                &user_id,
                pending.authenticator_id.clone(),
                VerificationMethod::AuthenticatorApp,
                &stamp,
            );
            authenticator.last_verified_at = Some(stamp);
            let user = self.user(&user_id);
            user.authenticators.push(authenticator.clone());
            user.totp = Some(StoredTotp {
                authenticator_id: pending.authenticator_id,
                secret: pending.secret,
                last_step: Some(step),
            });
            let validation_token = self.succeed(succeeded, VerificationMethod::AuthenticatorApp);
            return Ok(json!({
                "isVerified": true,
                "accessToken": validation_token,
                "userAuthenticator": authenticator,
            }));
        }
        let user = self.user(&user_id);
        let Some(stored) = user.totp.as_mut() else {
            return Err(EmulatorError::invalid_request(
                "The user has no authenticator app.",
            ));
        };
        let step = totp(&stored.secret, &user_id)?.check(code, now);
        let Some(step) = step.filter(|step| stored.last_step.is_none_or(|last| *step > last))
        else {
            return Ok(refused());
        };
        stored.last_step = Some(step);
        let authenticator_id = stored.authenticator_id.clone();
        if let Some(listed) = user.listed_mut(&authenticator_id) {
            listed.last_verified_at = Some(stamp);
        }
        let validation_token = self.succeed(succeeded, VerificationMethod::AuthenticatorApp);
        Ok(json!({ "isVerified": true, "accessToken": validation_token }))
    }

    /// Forgets the app listed as `authenticator_id` (its authenticator was deleted).
    pub(super) fn forget_totp(&mut self, user_id: &str, authenticator_id: &str) {
        if let Some(user) = self.users.get_mut(user_id)
            && user
                .totp
                .as_ref()
                .is_some_and(|t| t.authenticator_id == authenticator_id)
        {
            user.totp = None;
        }
    }
}
