//! Email addresses and phone numbers: validation at the boundary, masking for display.
//! Full values never reach logs or error bodies.

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

/// `+14155554567` → `+1******4567`: the first two and last four characters stay.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - 6;
    format!(
        "{}{}{}",
        chars[..2].iter().collect::<String>(),
        "*".repeat(hidden),
        chars[chars.len() - 4..].iter().collect::<String>()
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
    fn masking_keeps_only_hints() {
        assert_eq!(mask_email("jane@example.com"), "j***@example.com");
        assert_eq!(mask_email("j@x.io"), "j***@x.io");
        assert_eq!(mask_phone("+14155554567"), "+1******4567");
        assert_eq!(mask_phone("+123"), "****");
    }
}
