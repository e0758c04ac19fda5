//! Codes sent by email or SMS, the Client API's email OTP and SMS ceremonies: enrolling an
//! address, a challenge to the enrolled (or hinted) one, and verifying the code, bounded in
//! attempts, time and rate ([`super::limits`]).

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::limits::Limited;
use super::wire::{UserAuthenticator, VerificationMethod};
use super::{EmulatorError, OutboxMessage, Store, Succeeded, new_authenticator, timestamp};
use crate::contact::{is_e164, is_email, mask_email, mask_phone};

/// A code is valid this long.
pub const OTP_TTL: Duration = Duration::from_secs(600);
/// Wrong codes allowed before the challenge is void.
pub const MAX_OTP_ATTEMPTS: u32 = 5;

/// Where a code goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn method(self) -> VerificationMethod {
        match self {
            Channel::Email => VerificationMethod::EmailOtp,
            Channel::Sms => VerificationMethod::Sms,
        }
    }

    /// The authenticator's address on this channel, if it is one of this channel's.
    fn address_of(self, authenticator: &UserAuthenticator) -> Option<&str> {
        if authenticator.verification_method != self.method() {
            return None;
        }
        match self {
            Channel::Email => authenticator.email.as_deref(),
            Channel::Sms => authenticator.phone_number.as_deref(),
        }
    }

    fn check_address(self, address: &str) -> Result<(), EmulatorError> {
        let (valid, message) = match self {
            Channel::Email => (is_email(address), "email is not a valid email address."),
            Channel::Sms => (is_e164(address), "phoneNumber must be in E.164 format."),
        };
        valid
            .then_some(())
            .ok_or_else(|| EmulatorError::invalid_request(message))
    }

    fn noun(self) -> &'static str {
        match self {
            Channel::Email => "email OTP",
            Channel::Sms => "SMS",
        }
    }
}

pub(super) struct PendingOtp {
    channel: Channel,
    address: String,
    code: String,
    sent_at: SystemTime,
    attempts: u32,
    /// `Some(id)` when verifying this code completes an enrollment.
    enrolls: Option<String>,
}

impl Store {
    /// A new code to `address`, in the outbox; refused past the channel's send limit.
    fn send_code(
        &mut self,
        user_id: &str,
        channel: Channel,
        address: &str,
    ) -> Result<PendingOtp, EmulatorError> {
        self.spend(user_id, Limited::Send(channel))?;
        let code = format!("{:06}", fastrand::u32(0..1_000_000));
        let sent_at = self.now();
        self.outbox.push(OutboxMessage {
            user_id: user_id.to_owned(),
            email: (channel == Channel::Email).then(|| address.to_owned()),
            phone_number: (channel == Channel::Sms).then(|| address.to_owned()),
            code: code.clone(),
            sent_at: timestamp(sent_at),
        });
        Ok(PendingOtp {
            channel,
            address: address.to_owned(),
            code,
            sent_at,
            attempts: 0,
            enrolls: None,
        })
    }

    /// `POST /client/user-authenticators/email-otp {email}` and
    /// `POST /client/user-authenticators/sms {phoneNumber}`.
    pub fn client_enroll_otp(
        &mut self,
        bearer: Option<&str>,
        channel: Channel,
        address: &str,
    ) -> Result<Value, EmulatorError> {
        let (user_id, scopes) = {
            let token = self.client_token(bearer)?;
            (token.user_id.clone(), token.scopes.clone())
        };
        self.check_may_add(&user_id, &scopes)?;
        channel.check_address(address)?;
        let already = self.users.get(&user_id).is_some_and(|u| {
            u.authenticators
                .iter()
                .any(|a| channel.address_of(a) == Some(address))
        });
        if already {
            return Err(EmulatorError::invalid_request(format!(
                "This {} address is already enrolled.",
                channel.noun()
            )));
        }
        let authenticator_id = uuid::Uuid::new_v4().to_string();
        let mut pending = self.send_code(&user_id, channel, address)?;
        pending.enrolls = Some(authenticator_id.clone());
        self.client_token(bearer)?.pending = Some(pending);
        Ok(json!({ "userAuthenticatorId": authenticator_id, "userId": user_id }))
    }

    /// `POST /client/challenge/email-otp` and `POST /client/challenge/sms`: a code to the
    /// enrolled address, or, for a user without one, to the one given to track (which enrolls
    /// it on verify).
    pub fn client_challenge_otp(
        &mut self,
        bearer: Option<&str>,
        channel: Channel,
    ) -> Result<Value, EmulatorError> {
        let (user_id, scopes, hint) = {
            let token = self.client_token(bearer)?;
            let hint = match channel {
                Channel::Email => token.email_hint.clone(),
                Channel::Sms => token.phone_hint.clone(),
            };
            (token.user_id.clone(), token.scopes.clone(), hint)
        };
        let enrolled = self.users.get(&user_id).and_then(|u| {
            u.authenticators
                .iter()
                .find_map(|a| channel.address_of(a).map(str::to_owned))
        });
        let pending = match (enrolled, hint) {
            (Some(address), _) => self.send_code(&user_id, channel, &address)?,
            (None, Some(address)) => {
                self.check_may_add(&user_id, &scopes)?;
                let mut pending = self.send_code(&user_id, channel, &address)?;
                pending.enrolls = Some(uuid::Uuid::new_v4().to_string());
                pending
            }
            (None, None) => {
                return Err(EmulatorError::invalid_request(format!(
                    "The user has no {} authenticator and track was given no address for it.",
                    channel.noun()
                )));
            }
        };
        self.client_token(bearer)?.pending = Some(pending);
        Ok(json!({ "challengeId": uuid::Uuid::new_v4().to_string() }))
    }

    /// `POST /client/verify/email-otp {verificationCode}` and `POST /client/verify/sms`.
    pub fn client_verify_otp(
        &mut self,
        bearer: Option<&str>,
        channel: Channel,
        code: &str,
    ) -> Result<Value, EmulatorError> {
        let now = self.now();
        let user_id = self.client_token(bearer)?.user_id.clone();
        self.spend(&user_id, Limited::Verify(channel))?;
        let token = self.client_token(bearer)?;
        let Some(pending) = token.pending.as_mut().filter(|p| p.channel == channel) else {
            return Err(EmulatorError::invalid_request(format!(
                "No {} challenge is in progress.",
                channel.noun()
            )));
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
        let stamp = timestamp(now);
        let user = self.user(&user_id);
        let enrolled = match pending.enrolls {
            Some(id) => {
                let mut authenticator = new_authenticator(&user_id, id, channel.method(), &stamp);
                authenticator.last_verified_at = Some(stamp.clone());
                match channel {
                    Channel::Email => {
                        authenticator.email = Some(pending.address.clone());
                        user.email.get_or_insert(pending.address.clone());
                    }
                    Channel::Sms => {
                        authenticator.phone_number = Some(pending.address.clone());
                        user.phone_number.get_or_insert(pending.address.clone());
                    }
                }
                user.authenticators.push(authenticator.clone());
                Some(authenticator)
            }
            None => {
                if let Some(existing) = user
                    .authenticators
                    .iter_mut()
                    .find(|a| channel.address_of(a) == Some(pending.address.as_str()))
                {
                    existing.last_verified_at = Some(stamp.clone());
                }
                None
            }
        };
        let validation_token = self.succeed(succeeded, channel.method());
        let mut body = json!({ "isVerified": true, "accessToken": validation_token });
        if let Some(mut authenticator) = enrolled {
            // The Client API shows masked contact details.
            authenticator.email = authenticator.email.as_deref().map(mask_email);
            authenticator.phone_number = authenticator.phone_number.as_deref().map(mask_phone);
            body["userAuthenticator"] = serde_json::to_value(authenticator).unwrap_or(Value::Null);
        }
        Ok(body)
    }
}
