//! Email addresses and phone numbers: validation at the boundary, masking for display, and
//! which Cognito attribute a verification method proves. Full values never reach logs or error
//! bodies.

use crate::authsignal::{UserAuthenticator, VerificationMethod};

/// A Cognito contact attribute that an Authsignal method proves control of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactAttribute {
    Email,
    PhoneNumber,
}

impl ContactAttribute {
    /// The attribute a code sent by `method` proves: email codes and links prove the email, SMS
    /// and WhatsApp codes the phone number. Passkeys, authenticator apps and the rest prove no
    /// contact at all.
    pub fn proved_by(method: &VerificationMethod) -> Option<Self> {
        match method {
            VerificationMethod::EmailOtp | VerificationMethod::EmailMagicLink => {
                Some(ContactAttribute::Email)
            }
            VerificationMethod::Sms | VerificationMethod::Whatsapp => {
                Some(ContactAttribute::PhoneNumber)
            }
            _ => None,
        }
    }

    /// The attribute's name in Cognito.
    pub fn name(self) -> &'static str {
        match self {
            ContactAttribute::Email => "email",
            ContactAttribute::PhoneNumber => "phone_number",
        }
    }

    /// The name of the attribute that says it was verified.
    pub fn verified_name(self) -> &'static str {
        match self {
            ContactAttribute::Email => "email_verified",
            ContactAttribute::PhoneNumber => "phone_number_verified",
        }
    }

    /// The contact `authenticator` was enrolled with, when its method proves this attribute.
    pub fn of(self, authenticator: &UserAuthenticator) -> Option<&str> {
        if Self::proved_by(&authenticator.verification_method) != Some(self) {
            return None;
        }
        match self {
            ContactAttribute::Email => authenticator.email.as_deref(),
            ContactAttribute::PhoneNumber => authenticator.phone_number.as_deref(),
        }
    }

    /// Whether two values are the same contact: emails ignoring ASCII case and surrounding
    /// space (no Unicode folding, under which the Kelvin sign would equal `k`), phone numbers
    /// ignoring spaces. Empty values are nobody's.
    pub fn same(self, a: &str, b: &str) -> bool {
        let (a, b) = match self {
            ContactAttribute::Email => (a.trim().to_owned(), b.trim().to_owned()),
            ContactAttribute::PhoneNumber => {
                let digits = |value: &str| value.split_whitespace().collect::<String>();
                (digits(a), digits(b))
            }
        };
        !a.is_empty() && a.eq_ignore_ascii_case(&b)
    }
}

/// A deliverable-looking address: RFC 5322 syntax (via `email_address`), a dotted domain, at
/// most 254 characters.
pub fn is_email(value: &str) -> bool {
    value.len() <= 254
        && email_address::EmailAddress::is_valid(value)
        && value.rsplit_once('@').is_some_and(|(_, domain)| {
            domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
}

/// E.164: `+`, a non-zero country digit, at most 15 digits in all.
pub fn is_e164(value: &str) -> bool {
    value.strip_prefix('+').is_some_and(|digits| {
        (2..=15).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// `jane@example.com` → `j***@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            format!("{}***@{domain}", local.chars().next().unwrap_or('*'))
        }
        None => "***".into(),
    }
}

/// `+14155554567` → `+1******4567`: the first two and last four characters stay, and at least
/// six are hidden; a shorter number keeps only its last two (`+2901234` → `+2****34`, since the
/// hidden digits there would be little more than a country code), one of six characters or
/// fewer nothing.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let shown_tail = if chars.len() >= 12 { 4 } else { 2 };
    let hidden = chars.len() - 2 - shown_tail;
    format!(
        "{}{}{}",
        chars[..2].iter().collect::<String>(),
        "*".repeat(hidden),
        chars[chars.len() - shown_tail..].iter().collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for good in ["a@b.co", "jane.doe+mfa@example.com", "x@sub.example.org"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "", "a@b", "@b.co", "a b@c.de", "a@.co", "a@co.", "jane", "a@b@c.de",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn phone_numbers() {
        for good in ["+14155554567", "+447911123456", "+61"] {
            assert!(is_e164(good), "{good}");
        }
        for bad in [
            "14155554567",
            "+",
            "+0123",
            "+1 415 555",
            "+1234567890123456",
            "+1-415",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn email_codes_prove_the_email_sms_codes_the_phone_and_passkeys_nothing() {
        use ContactAttribute::*;
        assert_eq!(
            ContactAttribute::proved_by(&VerificationMethod::EmailOtp),
            Some(Email)
        );
        assert_eq!(
            ContactAttribute::proved_by(&VerificationMethod::EmailMagicLink),
            Some(Email)
        );
        assert_eq!(
            ContactAttribute::proved_by(&VerificationMethod::Sms),
            Some(PhoneNumber)
        );
        for none in [
            VerificationMethod::Passkey,
            VerificationMethod::AuthenticatorApp,
            VerificationMethod::from("SOMETHING_NEW".to_owned()),
        ] {
            assert_eq!(ContactAttribute::proved_by(&none), None, "{none}");
        }
        assert!(Email.same("Jane@Example.com ", "jane@example.com"));
        assert!(!Email.same("jane@example.com", "jane@example.org"));
        assert!(PhoneNumber.same("+44 7911 123456", "+447911123456"));
        assert!(!PhoneNumber.same("+447911123456", "+447911123457"));
        assert!(!PhoneNumber.same(" ", ""));
        assert!(!Email.same("", " "));
        // U+212A KELVIN SIGN lower-cases to `k` in Unicode; it is another address.
        assert!(!Email.same("\u{212A}im@example.com", "kim@example.com"));
    }

    #[test]
    fn masking_keeps_only_hints() {
        assert_eq!(mask_email("jane@example.com"), "j***@example.com");
        assert_eq!(mask_email("j@x.io"), "j***@x.io");
        assert_eq!(mask_phone("+14155554567"), "+1******4567");
        assert_eq!(mask_phone("+447700900123"), "+4*******0123");
        // Short numbers: the last four would leave little more than the country code hidden.
        assert_eq!(mask_phone("+2901234"), "+2****34");
        assert_eq!(mask_phone("+35312345678"), "+3******5678");
        assert_eq!(mask_phone("+3531234567"), "+3*******67");
        assert_eq!(mask_phone("+123"), "****");
    }
}
