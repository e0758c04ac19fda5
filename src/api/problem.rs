//! RFC 9457 problem details: the one place where an error becomes a status and a body.
//!
//! Hand-written rather than taken from a problem-details crate because the body type must
//! carry our stable `code` and derive the OpenAPI schema; it is a dozen lines.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Problem {
    /// Identifies the problem type: `urn:cognito-authsignal:problem:{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, and what to change.
    pub detail: String,
    /// Stable machine-readable code; switch on this.
    pub code: String,
}

/// Every failure a request can end in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("missing or invalid bearer token")]
    InvalidToken,
    #[error("token signing keys unavailable")]
    JwksUnavailable,
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    #[error("no such route")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidToken => StatusCode::UNAUTHORIZED,
            ApiError::JwksUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::RouteNotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    /// The stable `code` clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidToken => "invalid_token",
            ApiError::JwksUnavailable => "jwks_unavailable",
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::RouteNotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::InvalidToken => "Invalid token",
            ApiError::JwksUnavailable => "Token verification unavailable",
            ApiError::InvalidRequest(_) => "Invalid request",
            ApiError::RouteNotFound => "Not found",
            ApiError::MethodNotAllowed => "Method not allowed",
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::InvalidToken => {
                "Send a valid, unexpired Cognito access token as `Authorization: Bearer <token>`."
                    .into()
            }
            ApiError::JwksUnavailable => {
                "The user pool's signing keys could not be fetched; retry shortly.".into()
            }
            ApiError::InvalidRequest(detail) => detail.clone(),
            ApiError::RouteNotFound => "No route matches this path.".into(),
            ApiError::MethodNotAllowed => "This route does not support this HTTP method.".into(),
        }
    }

    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:cognito-authsignal:problem:{}", self.code()),
            title: self.title().into(),
            status: self.status().as_u16(),
            detail: self.detail(),
            code: self.code().into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self == ApiError::InvalidToken {
            // RFC 6750 §3.
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        if self == ApiError::JwksUnavailable {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}
