//! Redaction of text another service wrote (Authsignal's `errorCode` / `errorDescription`, a
//! decoder's message quoting its answer) before it is kept in an error that may be logged:
//! secrets and personal data are replaced, control characters become spaces, and the result is
//! at most [`MAX_CHARS`] characters. The text is never sent to a client in any case.
//!
//! `regex-lite` rather than `regex`: it is already linked (the AWS SDK uses it), adds nothing to
//! the Lambda binaries, and its matching time is bounded by the input, which is cut first.

use std::sync::LazyLock;

use regex_lite::{Captures, Regex};

/// Longest redacted text, in characters, before the `…` that marks a cut.
pub const MAX_CHARS: usize = 256;

/// How much of the input is looked at. Redaction shortens text, so a little more than
/// [`MAX_CHARS`] is read; the rest is never scanned (iterating matches is superlinear).
const MAX_INPUT_BYTES: usize = 4 * MAX_CHARS;

/// Said instead of the text if the patterns could not be built (they can: unit-tested).
const WITHHELD: &str = "[text withheld: redaction unavailable]";

struct Rules {
    email: Regex,
    credential: Regex,
    secret_key: Regex,
    long_token: Regex,
    number: Regex,
}

static RULES: LazyLock<Option<Rules>> = LazyLock::new(|| {
    Some(Rules {
        // Anything@anything, so that non-ASCII addresses go too.
        email: Regex::new(r#"[^\s@<>()\[\],;:"']+@[^\s@<>()\[\],;:"']+"#).ok()?,
        // The credential of an Authorization header, whatever its shape.
        credential: Regex::new(r"(?i)\b(basic|bearer)\s+[^\s,;]+").ok()?,
        // Authsignal's (and Stripe-like) secret keys: `sk_live_...`, `sk_test_...`.
        secret_key: Regex::new(r"\bsk_[A-Za-z0-9_-]*").ok()?,
        // Random-looking runs (API keys, JWT segments, hex digests); see `looks_random`.
        long_token: Regex::new(r"[A-Za-z0-9_+/=-]{24,}").ok()?,
        // Phone numbers, with or without separators, and any other run of 7+ digits.
        number: Regex::new(r"\+?\(?\d(?:[\s().-]{0,2}\d){6,}").ok()?,
    })
});

/// `text`, redacted and bounded: emails, `Basic`/`Bearer` credentials, `sk_…` keys, other long
/// random-looking tokens, and phone numbers (any run of 7+ digits) are replaced by a
/// `[redacted …]` marker; control characters become spaces; then the result is cut to
/// [`MAX_CHARS`] characters plus `…`. Never panics.
pub fn external_text(text: &str) -> String {
    let Some(rules) = RULES.as_ref() else {
        return WITHHELD.to_owned();
    };
    let scanned = scanned_part(text);
    let plain: String = scanned
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let redacted = rules.email.replace_all(&plain, "[redacted email]");
    let redacted = rules
        .credential
        .replace_all(&redacted, "$1 [redacted credential]");
    let redacted = rules.secret_key.replace_all(&redacted, "[redacted key]");
    let redacted = rules.long_token.replace_all(&redacted, |found: &Captures| {
        let token = &found[0];
        if looks_random(token) {
            "[redacted token]".to_owned()
        } else {
            token.to_owned()
        }
    });
    let redacted = rules.number.replace_all(&redacted, "[redacted number]");
    let cut = scanned.len() < text.len();
    bounded(&redacted, cut)
}

/// The first [`MAX_INPUT_BYTES`] of `text` (at a character boundary); when that cuts the text,
/// the last, possibly partial word is dropped too, so that half a secret is never kept.
fn scanned_part(text: &str) -> &str {
    if text.len() <= MAX_INPUT_BYTES {
        return text;
    }
    let head = &text[..text.floor_char_boundary(MAX_INPUT_BYTES)];
    head.rsplit_once(char::is_whitespace)
        .map_or("", |(words, _)| words)
}

/// A digit in it, or both cases: keys and digests are; prose and `snake_case` codes are not.
fn looks_random(token: &str) -> bool {
    token.bytes().any(|b| b.is_ascii_digit())
        || (token.bytes().any(|b| b.is_ascii_lowercase())
            && token.bytes().any(|b| b.is_ascii_uppercase()))
}

/// At most [`MAX_CHARS`] characters, with `…` when anything was left out.
fn bounded(text: &str, already_cut: bool) -> String {
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None if already_cut => format!("{text}…"),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patterns_build() {
        assert!(RULES.is_some());
    }

    #[test]
    fn plain_text_is_kept() {
        let text = "The request is unauthorized. Check that your API key and region base URL \
                    are correctly configured (invalid_request, HTTP 401).";
        assert_eq!(external_text(text), text);
        assert_eq!(external_text(""), "");
        assert_eq!(
            external_text("user_authenticator_not_found_for_this_user"),
            "user_authenticator_not_found_for_this_user"
        );
    }

    #[test]
    fn secret_keys_are_redacted() {
        assert_eq!(
            external_text("key sk_live_4f9aA_b-7 refused"),
            "key [redacted key] refused"
        );
        assert_eq!(external_text("tenant=sk_test_x."), "tenant=[redacted key].");
        assert_eq!(external_text("ask_me"), "ask_me", "not inside a word");
    }

    #[test]
    fn long_random_tokens_are_redacted() {
        let jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiI3ZjFjMmMxZS01YTBiIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2ln";
        let redacted = external_text(&format!("token {jwt} expired"));
        assert!(!redacted.contains("eyJ"), "{redacted}");
        assert_eq!(
            external_text("api key Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4 unknown"),
            "api key [redacted token] unknown"
        );
        assert_eq!(
            external_text(
                "digest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
            ),
            "digest [redacted token]"
        );
    }

    #[test]
    fn authorization_credentials_are_redacted() {
        assert_eq!(
            external_text("sent Authorization: Basic c2tfbGl2ZTo= here"),
            "sent Authorization: Basic [redacted credential] here"
        );
        assert_eq!(
            external_text("bearer abc.def"),
            "bearer [redacted credential]"
        );
    }

    #[test]
    fn email_addresses_are_redacted() {
        assert_eq!(
            external_text("no user jane.doe+tag@example.co.uk here"),
            "no user [redacted email] here"
        );
        assert_eq!(external_text("<josé@exämple.com>"), "<[redacted email]>");
    }

    #[test]
    fn phone_numbers_are_redacted() {
        for phone in [
            "+14155550100",
            "+61 412 345 678",
            "(415) 555-0100",
            "0412.345.678",
        ] {
            assert_eq!(
                external_text(&format!("phone {phone} invalid")),
                "phone [redacted number] invalid",
                "{phone}"
            );
        }
        assert_eq!(external_text("HTTP 429 after 30 s"), "HTTP 429 after 30 s");
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(
            external_text("line\nbreak\r\u{1b}[31m\u{0}"),
            "line break  [31m "
        );
    }

    #[test]
    fn the_result_is_capped_in_characters() {
        let long = "word ".repeat(1_000);
        let capped = external_text(&long);
        assert_eq!(capped.chars().count(), MAX_CHARS + 1);
        assert!(capped.ends_with('…'));
        assert_eq!(external_text(&"a".repeat(MAX_CHARS)), "a".repeat(MAX_CHARS));
    }

    #[test]
    fn multi_byte_characters_at_the_cut_stay_whole() {
        for filler in ["é", "日本", "🦀", "aé"] {
            for offset in 0..4 {
                // Cut at MAX_CHARS characters, at or next to a multi-byte character.
                let short = format!("{}{}", "a".repeat(MAX_CHARS - 2 + offset), filler.repeat(4));
                let capped = external_text(&short);
                assert_eq!(capped.chars().count(), MAX_CHARS + 1, "{filler} {offset}");
                assert!(short.starts_with(capped.trim_end_matches('…')));
                // Cut at the scan limit first, in the middle of a multi-byte character.
                let prefix = "a".repeat(offset);
                let long = format!("{prefix}{}", format!("{filler} ").repeat(2_000));
                let capped = external_text(&long);
                assert_eq!(capped.chars().count(), MAX_CHARS + 1, "{filler} {offset}");
                assert!(long.starts_with(capped.trim_end_matches('…')));
            }
        }
    }

    #[test]
    fn a_secret_cut_at_the_scan_limit_is_dropped_not_halved() {
        // Twelve long addresses shrink to markers, so the end of the scanned part reaches the
        // output; the key straddles the scan limit with only 10 characters inside it, too few
        // for the token rule.
        let emails = format!("{}@example.com ", "x".repeat(70)).repeat(12);
        let text = format!(
            "{emails}{}Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4 end",
            "y ".repeat(9)
        );
        assert_eq!(text.find("Zm9v"), Some(MAX_INPUT_BYTES - 10));
        let redacted = external_text(&text);
        assert!(redacted.chars().count() < MAX_CHARS, "{redacted}");
        assert!(!redacted.contains("Zm9v"), "{redacted}");
        assert!(redacted.ends_with('…'), "{redacted}");
    }

    #[test]
    fn no_input_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let alphabet: Vec<char> = "aZ09 _-+/=.@:;,()[]\"'\\\n\t\u{0}é日🦀sk_Bearer Basic"
            .chars()
            .collect();
        for length in [0, 1, 23, 24, 255, 256, 257, 1_023, 1_024, 1_025, 6_000] {
            for _ in 0..20 {
                let text: String = (0..length)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        alphabet[(seed % alphabet.len() as u64) as usize]
                    })
                    .collect();
                let redacted = external_text(&text);
                assert!(redacted.chars().count() <= MAX_CHARS + 1);
            }
        }
    }
}
