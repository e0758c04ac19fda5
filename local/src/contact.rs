//! Email addresses and phone numbers as the local services check them (Cognito's attribute
//! formats, Authsignal's), and the masked form Authsignal's Client API shows.

/// RFC 5322 syntax (via `email_address`), a dotted domain, at most 254 characters.
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

/// `jane@example.com` → `j***@example.com`, as Authsignal's Client API shows an address.
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
    let shown = |range: std::ops::Range<usize>| chars[range].iter().collect::<String>();
    format!(
        "{}{}{}",
        shown(0..2),
        "*".repeat(chars.len() - 6),
        shown(chars.len() - 4..chars.len())
    )
}

/// `^[a-zA-Z0-9_-]{1,64}$`, Authsignal's rule for action codes.
pub fn is_action_code(action: &str) -> bool {
    (1..=64).contains(&action.len())
        && action
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(is_email("jane.doe+mfa@example.com") && !is_email("a@b"));
        assert!(is_e164("+447911123456") && !is_e164("+0123"));
        assert_eq!(mask_email("jane@example.com"), "j***@example.com");
        assert!(
            is_action_code("add-Authenticator_2") && !is_action_code("a b") && !is_action_code("")
        );
    }
}
