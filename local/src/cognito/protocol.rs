//! Cognito's wire protocol (AWS JSON 1.1): `POST` with `X-Amz-Target:
//! AWSCognitoIdentityProviderService.<Operation>` and `Content-Type:
//! application/x-amz-json-1.1`; errors are HTTP 400 with `x-amzn-ErrorType` and
//! `{"__type": "<Name>", "message": "..."}`, which the AWS SDKs and Amplify both read.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// A Cognito error, by its exception name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct CognitoError {
    pub kind: &'static str,
    pub message: String,
}

impl CognitoError {
    fn new(kind: &'static str, message: impl Into<String>) -> Self {
        CognitoError {
            kind,
            message: message.into(),
        }
    }

    /// Wrong answer, wrong password, failed sign-in, bad session or refresh token.
    pub fn not_authorized(message: impl Into<String>) -> Self {
        Self::new("NotAuthorizedException", message)
    }

    /// What Cognito says when Define ends a sign-in or a password is wrong.
    pub fn incorrect_credentials() -> Self {
        Self::not_authorized("Incorrect username or password.")
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", message)
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::invalid_parameter(format!("Missing required parameter {name}"))
    }

    pub fn resource_not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", message)
    }

    pub fn username_exists() -> Self {
        Self::new("UsernameExistsException", "User already exists")
    }

    /// What a `LEGACY` pool says about an unknown user.
    pub fn user_not_found() -> Self {
        Self::new("UserNotFoundException", "User does not exist.")
    }

    pub fn user_not_confirmed() -> Self {
        Self::new("UserNotConfirmedException", "User is not confirmed.")
    }

    pub fn invalid_password(message: impl Into<String>) -> Self {
        Self::new("InvalidPasswordException", message)
    }

    /// A trigger returned an error: Cognito puts its message after the trigger's name.
    pub fn trigger_failed(trigger: &str, message: &str) -> Self {
        Self::new(
            "UserLambdaValidationException",
            format!("{trigger} failed with error {message}."),
        )
    }

    /// A trigger answered something Cognito cannot act on.
    pub fn invalid_trigger_response(message: impl Into<String>) -> Self {
        Self::new("InvalidLambdaResponseException", message)
    }

    pub fn unexpected_trigger_failure(message: impl Into<String>) -> Self {
        Self::new("UnexpectedLambdaException", message)
    }

    pub fn unknown_operation(target: &str) -> Self {
        Self::new(
            "UnknownOperationException",
            format!("The local user pool does not implement `{target}`."),
        )
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", message)
    }
}

impl IntoResponse for CognitoError {
    fn into_response(self) -> Response {
        let body = json!({ "__type": self.kind, "message": self.message }).to_string();
        let mut response = (StatusCode::BAD_REQUEST, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if let Ok(kind) = HeaderValue::from_str(&format!("{}:", self.kind)) {
            headers.insert("x-amzn-errortype", kind);
        }
        response
    }
}

/// The operation named by `X-Amz-Target`.
pub fn operation(headers: &HeaderMap) -> Result<&str, CognitoError> {
    let target = headers
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| CognitoError::unknown_operation("(no X-Amz-Target)"))?;
    target
        .strip_prefix(TARGET_PREFIX)
        .ok_or_else(|| CognitoError::unknown_operation(target))
}

/// A successful answer: HTTP 200 with the JSON 1.1 content type.
pub fn ok(body: serde_json::Value) -> Response {
    let mut response = (StatusCode::OK, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}
