//! RFC 9457 problem details: the one place where an error becomes a status and a body, and
//! where upstream failures are logged.
//!
//! Hand-written rather than taken from a problem-details crate because the body must carry our
//! stable `code` and derive its OpenAPI schema (utoipa); it is a few dozen lines.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::authsignal::AuthsignalError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The body of every error response (RFC 9457).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
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
    /// Present on `reauthentication_required`: the call that proves a recent sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_up: Option<StepUpHint>,
}

/// How to obtain a step-up validation token for the refused operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepUpHint {
    /// Always `POST`.
    pub method: String,
    /// Always `/v1/me/step-up`.
    pub href: String,
    /// The `operation` to send in the step-up body.
    pub operation: String,
    /// The header that carries the resulting validation token on the retried request.
    pub header: String,
}

/// Every failure a request can end in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("missing or invalid bearer token")]
    InvalidToken,
    /// A valid token issued before the user's last sign-out everywhere by a help-desk reset: the
    /// same `invalid_token`, with a detail that says why.
    #[error("token issued before the user was signed out everywhere")]
    SignedOut,
    #[error("caller is not in the admin group")]
    InsufficientScope,
    #[error("recent sign-in or step-up required for {operation}: {reason}")]
    ReauthenticationRequired {
        operation: &'static str,
        reason: &'static str,
    },
    /// A step-up was asked for by a user with no authenticator: only a new sign-in can prove
    /// who they are (it enrolls their own contact first).
    #[error("no authenticator to step up with")]
    SignInAgain,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the last authenticator cannot be removed")]
    LastAuthenticator,
    /// A reset of a user with no verified email or phone number: it would leave the account
    /// empty.
    #[error("no contact to keep")]
    NoContact,
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    #[error("redirect URL not allowed")]
    InvalidRedirectUrl,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("payload too large")]
    PayloadTooLarge,
    /// `serve`: the body did not arrive by the request's [`BodyDeadline`](super::json::BodyDeadline).
    #[error("request body not received in time")]
    RequestTimeout,
    #[error("request headers too large")]
    HeadersTooLarge,
    #[error("no such route")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("token signing keys unavailable")]
    JwksUnavailable,
    #[error("step-up replay store unavailable")]
    ReplayStoreUnavailable,
    #[error("sign-out store unavailable")]
    SignOutStoreUnavailable,
    #[error("Authsignal refused our credentials")]
    UpstreamMisconfigured,
    #[error("Authsignal timed out")]
    UpstreamTimeout,
    #[error("Authsignal unavailable")]
    UpstreamUnavailable { retry_after: Option<Duration> },
    /// A route whose integration this deployment has switched off.
    #[error("{0} is not configured")]
    NotConfigured(&'static str),
    #[error("internal error")]
    Internal,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidToken | ApiError::SignedOut => StatusCode::UNAUTHORIZED,
            ApiError::InsufficientScope
            | ApiError::ReauthenticationRequired { .. }
            | ApiError::SignInAgain => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) | ApiError::RouteNotFound => StatusCode::NOT_FOUND,
            ApiError::LastAuthenticator | ApiError::NoContact => StatusCode::CONFLICT,
            ApiError::InvalidRequest(_) | ApiError::InvalidRedirectUrl => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::JwksUnavailable
            | ApiError::ReplayStoreUnavailable
            | ApiError::SignOutStoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::UpstreamMisconfigured | ApiError::UpstreamUnavailable { .. } => {
                StatusCode::BAD_GATEWAY
            }
            ApiError::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            ApiError::NotConfigured(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable `code` clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidToken | ApiError::SignedOut => "invalid_token",
            ApiError::InsufficientScope => "insufficient_scope",
            ApiError::ReauthenticationRequired { .. } | ApiError::SignInAgain => {
                "reauthentication_required"
            }
            ApiError::NotFound(_) | ApiError::RouteNotFound => "not_found",
            ApiError::LastAuthenticator => "last_authenticator",
            ApiError::NoContact => "no_contact",
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::InvalidRedirectUrl => "invalid_redirect_url",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::HeadersTooLarge => "request_header_fields_too_large",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::JwksUnavailable => "jwks_unavailable",
            ApiError::ReplayStoreUnavailable => "replay_store_unavailable",
            ApiError::SignOutStoreUnavailable => "session_check_unavailable",
            ApiError::UpstreamMisconfigured => "upstream_misconfigured",
            ApiError::UpstreamTimeout => "upstream_timeout",
            ApiError::UpstreamUnavailable { .. } => "upstream_unavailable",
            ApiError::NotConfigured(_) => "not_configured",
            ApiError::Internal => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::InvalidToken | ApiError::SignedOut => "Invalid token",
            ApiError::InsufficientScope => "Insufficient scope",
            ApiError::ReauthenticationRequired { .. } | ApiError::SignInAgain => {
                "Reauthentication required"
            }
            ApiError::NotFound(_) | ApiError::RouteNotFound => "Not found",
            ApiError::LastAuthenticator => "Last authenticator",
            ApiError::NoContact => "No contact",
            ApiError::InvalidRequest(_) => "Invalid request",
            ApiError::InvalidRedirectUrl => "Redirect URL not allowed",
            ApiError::UnsupportedMediaType => "Unsupported media type",
            ApiError::PayloadTooLarge => "Payload too large",
            ApiError::RequestTimeout => "Request timeout",
            ApiError::HeadersTooLarge => "Request header fields too large",
            ApiError::MethodNotAllowed => "Method not allowed",
            ApiError::JwksUnavailable => "Token verification unavailable",
            ApiError::ReplayStoreUnavailable => "Step-up check unavailable",
            ApiError::SignOutStoreUnavailable => "Session check unavailable",
            ApiError::UpstreamMisconfigured => "Upstream misconfigured",
            ApiError::UpstreamTimeout => "Upstream timeout",
            ApiError::UpstreamUnavailable { .. } => "Upstream unavailable",
            ApiError::NotConfigured(_) => "Not configured",
            ApiError::Internal => "Internal error",
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::InvalidToken => {
                "Send a valid, unexpired Cognito access token as `Authorization: Bearer <token>`."
                    .into()
            }
            ApiError::SignedOut => {
                "You were signed out everywhere after this token was issued; sign in again.".into()
            }
            ApiError::InsufficientScope => {
                "This route is for members of the authenticator admin group.".into()
            }
            ApiError::ReauthenticationRequired { operation, reason } => format!(
                "{reason} Call POST /v1/me/step-up with {{\"operation\": \"{operation}\"}}, complete \
                 the Authsignal challenge, then repeat this request with the resulting token in the \
                 `Authsignal-Validation-Token` header."
            ),
            ApiError::SignInAgain => {
                "You have no authenticator to confirm it's you with; sign in again.".into()
            }
            ApiError::NotFound(what) => format!("No such {what} for this user."),
            ApiError::LastAuthenticator => {
                "This is the user's only authenticator; add another before removing it.".into()
            }
            ApiError::NoContact => {
                "The user has no verified email address or phone number in the user pool, so a \
                 reset would leave the account without a sign-in method; confirm one with the \
                 user and mark it verified in the pool, then reset again."
                    .into()
            }
            ApiError::InvalidRequest(detail) => detail.clone(),
            ApiError::InvalidRedirectUrl => {
                "`redirectUrl` must be on the configured allow-list (same scheme, host and port, \
                 under an allowed path)."
                    .into()
            }
            ApiError::UnsupportedMediaType => {
                "Send the body as JSON with `Content-Type: application/json` (no parameter but \
                 `charset=utf-8`)."
                    .into()
            }
            ApiError::PayloadTooLarge => "The request body is too large.".into(),
            ApiError::RequestTimeout => {
                "The request body did not arrive in time; send it again, all at once.".into()
            }
            ApiError::HeadersTooLarge => "The request headers are too large.".into(),
            ApiError::RouteNotFound => "No route matches this path.".into(),
            ApiError::MethodNotAllowed => "This route does not support this HTTP method.".into(),
            ApiError::JwksUnavailable => {
                "The user pool's signing keys could not be fetched; retry shortly.".into()
            }
            ApiError::ReplayStoreUnavailable => {
                "The step-up token could not be checked against earlier uses, so nothing was \
                 changed; retry shortly."
                    .into()
            }
            ApiError::SignOutStoreUnavailable => {
                "Sign-outs could not be checked or recorded, so no authenticator was changed; \
                 retry shortly."
                    .into()
            }
            ApiError::UpstreamMisconfigured => {
                "The authenticator service is misconfigured; this has been logged.".into()
            }
            ApiError::UpstreamTimeout => {
                "The authenticator service did not answer in time; retry shortly.".into()
            }
            ApiError::UpstreamUnavailable { .. } => {
                "The authenticator service is unavailable; retry shortly.".into()
            }
            ApiError::NotConfigured(what) => {
                format!("{what} is switched off on this deployment.")
            }
            ApiError::Internal => "Something went wrong on our side; this has been logged.".into(),
        }
    }

    pub fn problem(&self) -> Problem {
        let step_up = match self {
            ApiError::ReauthenticationRequired { operation, .. } => Some(StepUpHint {
                method: "POST".into(),
                href: "/v1/me/step-up".into(),
                operation: (*operation).into(),
                header: "Authsignal-Validation-Token".into(),
            }),
            _ => None,
        };
        Problem {
            problem_type: format!("urn:cognito-authsignal:problem:{}", self.code()),
            title: self.title().into(),
            status: self.status().as_u16(),
            detail: self.detail(),
            code: self.code().into(),
            step_up,
        }
    }
}

/// Maps an Authsignal failure to what the caller may know, and logs the full cause once.
impl From<AuthsignalError> for ApiError {
    fn from(error: AuthsignalError) -> Self {
        match error {
            AuthsignalError::Unauthorized(_) => {
                tracing::error!(%error, "AUTHSIGNAL MISCONFIGURED: the secret key or region URL is wrong");
                ApiError::UpstreamMisconfigured
            }
            AuthsignalError::Timeout { .. } => {
                tracing::warn!(%error, "Authsignal call timed out");
                ApiError::UpstreamTimeout
            }
            AuthsignalError::RateLimited { retry_after, .. } => {
                tracing::warn!(%error, "Authsignal rate limit");
                ApiError::UpstreamUnavailable { retry_after }
            }
            AuthsignalError::InvalidArgument(_) => {
                tracing::error!(%error, "refused to build an Authsignal call");
                ApiError::Internal
            }
            _ => {
                tracing::warn!(%error, "Authsignal call failed");
                ApiError::UpstreamUnavailable { retry_after: None }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        match &self {
            // RFC 6750 §3.
            ApiError::InvalidToken | ApiError::SignedOut => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            ApiError::InsufficientScope => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"insufficient_scope\""),
                );
            }
            ApiError::JwksUnavailable
            | ApiError::ReplayStoreUnavailable
            | ApiError::SignOutStoreUnavailable => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            ApiError::UpstreamUnavailable {
                retry_after: Some(after),
            } => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(after.as_secs().max(1)),
                );
            }
            _ => {}
        }
        response
    }
}
