//! The request id (`x-request-id`): echoed in every response and written into log lines and
//! audit events, so it must never be text a client chose freely. A caller's (or API Gateway's)
//! id is kept only in a bounded safe form; any other is dropped, and tower-http's
//! `SetRequestIdLayer` then generates a fresh UUID.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;

/// The header that carries the id, in requests and responses.
pub const HEADER: &str = "x-request-id";

/// Longest id kept.
pub const MAX_LEN: usize = 128;

/// 1–[`MAX_LEN`] of `[A-Za-z0-9._:=-]`: no quotes, spaces, backslashes or control characters,
/// so the id cannot break out of a log field or pose as another one. `=` is there because API
/// Gateway's request ids are base64 with padding (`JKJaXmPLvHcESHA=`).
pub fn is_safe(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:=-".contains(&b))
}

/// The request's id, as the request-id layers left it (in the safe form, or generated): what
/// audit events carry. Empty only for a request that never passed those layers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let id = parts
            .headers
            .get(HEADER)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        Ok(RequestId(id.to_owned()))
    }
}

/// Removes the request's `x-request-id` unless it is exactly one value in the safe form.
/// Runs before `SetRequestIdLayer`, which keeps a present id and generates one otherwise.
pub async fn drop_unsafe(mut request: Request) -> Request {
    let mut values = request.headers().get_all(HEADER).iter();
    let keep = match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().is_ok_and(is_safe),
        _ => false,
    };
    if !keep {
        request.headers_mut().remove(HEADER);
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_ids_are_short_and_plain() {
        for safe in [
            "req-123",
            "JKJaXmPLvHcESHA=",
            "LV7fzho-PHcEJPw=",
            "0f0e0d0c-aaaa-4bbb-8ccc-111122223333",
            "trace:abc.DEF_9",
            &"x".repeat(MAX_LEN),
        ] {
            assert!(is_safe(safe), "{safe}");
        }
        for unsafe_id in [
            "",
            &"x".repeat(MAX_LEN + 1),
            r#"abc","event":"authenticator_removed","actor":"admin-forged"#,
            "with space",
            "quote\"d",
            "back\\slash",
            "new\\nline",
            "tab\there",
            "slash/ed",
            "plus+",
            "é",
        ] {
            assert!(!is_safe(unsafe_id), "{unsafe_id}");
        }
    }
}
