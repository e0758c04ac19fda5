//! Authsignal's rate limits as its FAQ states them (https://docs.authsignal.com/learn/faqs,
//! "rate limits"): sends of email OTP codes 12 and of SMS codes 6 per 10 minutes;
//! verifications of email OTP, SMS and authenticator-app codes 10 per 5 minutes. The emulator
//! counts them per user in a sliding window; past one it answers 429 `too_many_requests`, the
//! error code Authsignal documents, and sends or checks nothing.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use super::otp::Channel;
use super::{EmulatorError, Store};

/// At most `max` in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: usize,
    pub window: Duration,
}

pub const EMAIL_OTP_SENDS: RateLimit = RateLimit {
    max: 12,
    window: Duration::from_secs(600),
};
pub const SMS_SENDS: RateLimit = RateLimit {
    max: 6,
    window: Duration::from_secs(600),
};
/// For each of email OTP, SMS and authenticator apps.
pub const CODE_VERIFICATIONS: RateLimit = RateLimit {
    max: 10,
    window: Duration::from_secs(300),
};

/// What is counted, per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Limited {
    Send(Channel),
    Verify(Channel),
    VerifyTotp,
}

impl Limited {
    fn limit(self) -> RateLimit {
        match self {
            Limited::Send(Channel::Email) => EMAIL_OTP_SENDS,
            Limited::Send(Channel::Sms) => SMS_SENDS,
            Limited::Verify(_) | Limited::VerifyTotp => CODE_VERIFICATIONS,
        }
    }
}

impl Store {
    /// Counts one `what` for `user_id`, or refuses it when the window is full.
    pub(super) fn spend(&mut self, user_id: &str, what: Limited) -> Result<(), EmulatorError> {
        let now = self.now();
        let limit = what.limit();
        let recent: &mut VecDeque<SystemTime> =
            self.rates.entry((user_id.to_owned(), what)).or_default();
        while recent.front().is_some_and(|at| *at + limit.window <= now) {
            recent.pop_front();
        }
        if recent.len() >= limit.max {
            return Err(EmulatorError::new(
                429,
                "too_many_requests",
                "Too many requests. Try again later.",
            ));
        }
        recent.push_back(now);
        Ok(())
    }
}
