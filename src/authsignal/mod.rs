//! Authsignal Server API: the port ([`AuthsignalApi`]) the service depends on, its reqwest
//! adapter ([`AuthsignalClient`]), the wire types and the typed errors.

pub mod client;
pub mod types;

use std::time::Duration;

use async_trait::async_trait;

use crate::redact;

pub use client::AuthsignalClient;
pub use types::*;

/// The Authsignal operations this service uses. Held as `Arc<dyn AuthsignalApi>`.
#[async_trait]
pub trait AuthsignalApi: Send + Sync {
    /// `POST /users/{userId}/actions/{action}`.
    async fn track(
        &self,
        user_id: &str,
        action: &str,
        attributes: &TrackAttributes,
    ) -> Result<TrackResponse, AuthsignalError>;

    /// `POST /validate`.
    async fn validate_challenge(
        &self,
        request: &ValidateChallengeRequest,
    ) -> Result<ValidateChallengeResponse, AuthsignalError>;

    /// `GET /users/{userId}/authenticators`.
    async fn get_authenticators(
        &self,
        user_id: &str,
    ) -> Result<Vec<UserAuthenticator>, AuthsignalError>;

    /// `DELETE /users/{userId}/authenticators/{userAuthenticatorId}`.
    async fn delete_authenticator(
        &self,
        user_id: &str,
        authenticator_id: &str,
    ) -> Result<(), AuthsignalError>;

    /// `POST /users/{userId}/authenticators`.
    async fn enroll_verified_authenticator(
        &self,
        user_id: &str,
        request: &EnrollVerifiedAuthenticatorRequest,
    ) -> Result<EnrollVerifiedAuthenticatorResponse, AuthsignalError>;

    /// `GET /users/{userId}`.
    async fn get_user(&self, user_id: &str) -> Result<GetUserResponse, AuthsignalError>;
}

/// What Authsignal said when it refused a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamError {
    pub status: u16,
    /// `errorCode`, or the older `error`; redacted and bounded.
    pub code: Option<String>,
    /// `errorDescription`, redacted and bounded: for logs, never for end users.
    pub description: Option<String>,
}

impl UpstreamError {
    /// Keeps Authsignal's text only as [`redact::external_text`] leaves it, so that neither
    /// `Display` nor `Debug` (which `lambda_runtime` logs for a failed invocation) can put
    /// unbounded text or a secret from the answer into a log line.
    pub fn new(status: u16, code: Option<&str>, description: Option<&str>) -> Self {
        UpstreamError {
            status,
            code: code.map(redact::external_text),
            description: description.map(redact::external_text),
        }
    }
}

impl std::fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(description) = &self.description {
            write!(f, ": {description}")?;
        }
        Ok(())
    }
}

/// Why an Authsignal call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthsignalError {
    /// Wrong secret key or wrong region URL: a deployment problem, not the caller's.
    #[error(
        "Authsignal refused the credentials (check AUTHSIGNAL_SECRET_KEY and AUTHSIGNAL_API_URL): {0}"
    )]
    Unauthorized(UpstreamError),
    #[error("Authsignal rejected the request: {0}")]
    InvalidRequest(UpstreamError),
    #[error("Authsignal has no such resource: {0}")]
    NotFound(UpstreamError),
    #[error("Authsignal rate limit reached: {upstream}")]
    RateLimited {
        upstream: UpstreamError,
        retry_after: Option<Duration>,
    },
    #[error("Authsignal failed: {0}")]
    Upstream(UpstreamError),
    #[error("Authsignal did not answer within {budget:?}")]
    Timeout { budget: Duration },
    #[error("could not reach Authsignal: {0}")]
    Transport(String),
    #[error("Authsignal's answer could not be decoded: {0}")]
    Decode(String),
    /// Refused before sending (e.g. an empty path segment).
    #[error("invalid argument for an Authsignal call: {0}")]
    InvalidArgument(String),
}
