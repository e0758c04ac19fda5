//! `ApiJson<T>`: a JSON object body, parsed once at the boundary, with problem+json rejections
//! that name the failing field but never echo the submitted values (they may be email
//! addresses or phone numbers).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::problem::ApiError;

pub struct ApiJson<T>(pub T);

/// When a request's body must have arrived by, set by `serve` (`SERVER_HEADER_READ_TIMEOUT_SECONDS`
/// after the head): a client that sends a head and then trickles or withholds the body would
/// otherwise hold its connection, counted as busy and never closed to make room, for as long as
/// it likes. On Lambda, API Gateway hands over the whole body, so there is none.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub tokio::time::Instant);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let deadline = request.extensions().get::<BodyDeadline>().copied();
        let read = Bytes::from_request(request, state);
        let read = match deadline {
            Some(BodyDeadline(deadline)) => tokio::time::timeout_at(deadline, read)
                .await
                .map_err(|_| ApiError::RequestTimeout)?,
            None => read.await,
        };
        let bytes = read.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::InvalidRequest("The request body could not be read.".into())
            }
        })?;
        // serde's derived structs also accept arrays (positionally); bodies are objects.
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            return Err(ApiError::InvalidRequest(
                "The request body must be a JSON object.".into(),
            ));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|error| ApiError::InvalidRequest(describe(&error)))?;
        deserializer
            .end()
            .map_err(|_| ApiError::InvalidRequest("The request body is not valid JSON.".into()))?;
        Ok(ApiJson(value))
    }
}

/// `application/json`, with no parameter but `charset=utf-8` (RFC 8259: JSON between systems is
/// UTF-8); names and values case-insensitive, optional whitespace around `;`, the value may be
/// quoted. Anything else (`text/json`, `application/*+json`, another charset) would be parsed as
/// something the client did not mean, so it is refused.
///
/// Hand-written: `mime` (already linked through axum) refuses a tab or a space before `;`, which
/// RFC 9110 allows, and the rule is one media type and one parameter.
fn is_json(content_type: Option<&header::HeaderValue>) -> bool {
    let Some(value) = content_type.and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let is_whitespace = |c: char| c == ' ' || c == '\t';
    let mut parts = value
        .split(';')
        .map(|part| part.trim_matches(is_whitespace));
    let essence_is_json = parts
        .next()
        .is_some_and(|essence| essence.eq_ignore_ascii_case("application/json"));
    essence_is_json
        && parts.all(|parameter| {
            // RFC 9110 allows empty parameters (`application/json;`).
            parameter.is_empty()
                || parameter.split_once('=').is_some_and(|(name, value)| {
                    name.eq_ignore_ascii_case("charset")
                        && unquoted(value).eq_ignore_ascii_case("utf-8")
                })
        })
}

/// `"value"` → `value`; anything else as it is.
fn unquoted(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|value| value.strip_suffix('"'))
        .unwrap_or(value)
}

/// What is wrong, by field, without the offending value.
fn describe(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let inner = error.inner();
    if inner.is_syntax() || inner.is_eof() {
        return "The request body is not valid JSON.".into();
    }
    let message = inner.to_string();
    let field = error.path().to_string();
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').nth(1))
            .map(|name| format!("The request body has {prefix}`{name}`."))
    };
    named("missing field ")
        .or_else(|| named("unknown field "))
        .unwrap_or_else(|| {
            let kind = message
                .split([':', ','])
                .next()
                .unwrap_or("an invalid value");
            format!("`{field}` in the request body has an {kind}.")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Body {
        email: String,
        phone_number: Option<String>,
    }

    fn error_for(json: &str) -> String {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let error = serde_path_to_error::deserialize::<_, Body>(&mut deserializer).unwrap_err();
        describe(&error)
    }

    #[test]
    fn errors_name_the_field_not_the_value() {
        assert_eq!(error_for("{"), "The request body is not valid JSON.");
        assert_eq!(
            error_for("{}"),
            "The request body has missing field `email`."
        );
        assert_eq!(
            error_for(r#"{"email":"a@b.co","x":1}"#),
            "The request body has unknown field `x`."
        );
        let typed = error_for(r#"{"email":"a@b.co","phoneNumber":14155550100}"#);
        assert_eq!(
            typed,
            "`phoneNumber` in the request body has an invalid type."
        );
        assert!(!typed.contains("14155550100"));
    }

    fn accepts(value: &'static str) -> bool {
        is_json(Some(&header::HeaderValue::from_static(value)))
    }

    #[test]
    fn json_with_at_most_a_utf8_charset_is_accepted() {
        for value in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            "application/json ;\tcharset=\"utf-8\" ",
            "application/json; CHARSET=\"UTF-8\"",
            "application/json;",
        ] {
            assert!(accepts(value), "{value}");
        }
    }

    #[test]
    fn other_media_types_charsets_and_parameters_are_refused() {
        for value in [
            "application/json; charset=latin1",
            "application/json; charset=utf-16",
            "application/json; charset=\"utf-8",
            "application/json; charset",
            "application/json; charset=utf-8; boundary=x",
            "application/json; version=2",
            "application/vnd.x+json",
            "application/merge-patch+json",
            "text/json",
            "text/plain",
            "application/jsonx",
            "application/json charset=utf-8",
            "",
        ] {
            assert!(!accepts(value), "{value}");
        }
        assert!(!is_json(None));
        let not_utf8 = header::HeaderValue::from_bytes(b"application/json; charset=\xe9").unwrap();
        assert!(!is_json(Some(&not_utf8)));
    }
}
