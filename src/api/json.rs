//! `ApiJson<T>`: a JSON object body, parsed once at the boundary, with problem+json rejections
//! that name the failing field but never echo the submitted values (they may be email
//! addresses or phone numbers).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::problem::ApiError;

pub struct ApiJson<T>(pub T);

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
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
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

/// `application/json` or `application/*+json`, parameters ignored.
fn is_json(content_type: Option<&header::HeaderValue>) -> bool {
    let Some(essence) = content_type
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
    else {
        return false;
    };
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json"))
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

    #[test]
    fn json_media_types() {
        let header = |value: &'static str| Some(header::HeaderValue::from_static(value));
        assert!(is_json(header("application/json").as_ref()));
        assert!(is_json(header("application/json; charset=utf-8").as_ref()));
        assert!(is_json(header("application/merge-patch+json").as_ref()));
        assert!(!is_json(header("text/plain").as_ref()));
        assert!(!is_json(None));
    }
}
