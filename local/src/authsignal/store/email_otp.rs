//! The email OTP ceremony of the Client API: enrolling an address, a challenge to the enrolled
//! (or hinted) one, and verifying the code, bounded in attempts and time.

use std::time::SystemTime;

use serde_json::{Value, json};

use super::wire::VerificationMethod;
use super::{EmulatorError, OutboxMessage, Store, Succeeded, new_authenticator, timestamp};
use crate::contact::{is_email, mask_email};

/// An emailed code is valid this long.
pub const OTP_TTL: std::time::Duration = std::time::Duration::from_secs(600);
/// Wrong codes allowed before the challenge is void.
pub const MAX_OTP_ATTEMPTS: u32 = 5;

pub(super) struct PendingOtp {
    email: String,
    code: String,
    sent_at: SystemTime,
    attempts: u32,
    /// `Some(id)` when verifying this code completes an enrollment.
    enrolls: Option<String>,
}

impl Store {
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
}
