//! Identifiers taken from paths, parsed once at the boundary: each id type deserializes itself
//! (`ApiPath<AuthenticatorId>`), so a handler never sees an unparsed one.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::problem::ApiError;

/// `Path<T>` with problem+json rejections.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(error)) => {
                // An id type's own message says what a valid one looks like.
                let detail = match error.into_kind() {
                    ErrorKind::Message(message) => message,
                    _ => "A path parameter is not valid.".into(),
                };
                Err(ApiError::InvalidRequest(detail))
            }
            Err(_) => Err(ApiError::Internal),
        }
    }
}

/// An Authsignal user authenticator id: 1–128 of `[A-Za-z0-9_-]` (Authsignal uses UUIDs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct AuthenticatorId(String);

impl TryFrom<String> for AuthenticatorId {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw).map_err(|error| match error {
            ApiError::InvalidRequest(detail) => detail,
            other => other.to_string(),
        })
    }
}

impl AuthenticatorId {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let valid = (1..=128).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        valid
            .then(|| AuthenticatorId(raw.to_owned()))
            .ok_or_else(|| {
                ApiError::InvalidRequest(
                    "`authenticatorId` must be 1–128 letters, digits, `-` or `_`.".into(),
                )
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A user id in an admin path: the user's Cognito `sub` (or another Authsignal user id),
/// 1–128 of `[A-Za-z0-9._@+-]`, never `.` or `..`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct UserId(String);

impl TryFrom<String> for UserId {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw).map_err(|error| match error {
            ApiError::InvalidRequest(detail) => detail,
            other => other.to_string(),
        })
    }
}

impl UserId {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let valid = (1..=128).contains(&raw.len())
            && raw != "."
            && raw != ".."
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._@+-".contains(&b));
        valid.then(|| UserId(raw.to_owned())).ok_or_else(|| {
            ApiError::InvalidRequest(
                "`userId` must be 1–128 letters, digits or `._@+-` (a Cognito sub).".into(),
            )
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authenticator_ids() {
        assert!(AuthenticatorId::parse("4efd1f6e-7c1b-4a0e-9f3e-2a9b0c1d2e3f").is_ok());
        for bad in ["", "a/b", "..", "a b", "a%2fb", &"x".repeat(129)] {
            assert!(AuthenticatorId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_ids() {
        for good in [
            "7f1c2c1e-5a0b-4c55-9d7e-2b1f0d4a9e11",
            "alice@example.com",
            "a.b+c",
        ] {
            assert!(UserId::parse(good).is_ok(), "{good}");
        }
        for bad in ["", ".", "..", "a/b", "a b", "a%2f", "é", &"x".repeat(129)] {
            assert!(UserId::parse(bad).is_err(), "{bad}");
        }
    }
}
