//! The reqwest adapter for the Authsignal Server API.
//!
//! - HTTP Basic with the secret key as username and an empty password; camelCase JSON.
//! - Every path segment is percent-encoded.
//! - One budget per call (`total_timeout`) covers every attempt, backoff and body read.
//! - Retries only where safe: a connection that could not be opened (any method: nothing was
//!   sent); a GET or DELETE whose connection was closed or reset after the request went out,
//!   before an answer arrived; and 5xx/429 answers to GET and DELETE. At most [`MAX_RETRIES`],
//!   jittered exponential backoff, `Retry-After` honoured, never past the budget (so a timeout,
//!   which spends the budget, is never retried). A POST that may have reached Authsignal is
//!   never repeated.

use std::io::ErrorKind;
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use reqwest::header::{ACCEPT, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::types::*;
use super::{AuthsignalApi, AuthsignalError, UpstreamError};
use crate::config::AuthsignalConfig;
use crate::redact;

/// Retries after the first attempt, at most.
pub const MAX_RETRIES: u32 = 2;
/// First backoff; doubled per retry, plus up to 20 % jitter.
const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// Largest response body read from Authsignal.
const MAX_BODY_BYTES: usize = 1024 * 1024;

pub struct AuthsignalClient {
    http: reqwest::Client,
    base_url: Url,
    secret_key: SecretString,
    total_timeout: Duration,
}

impl std::fmt::Debug for AuthsignalClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthsignalClient")
            .field("base_url", &self.base_url.as_str())
            .field("total_timeout", &self.total_timeout)
            .finish_non_exhaustive()
    }
}

impl AuthsignalClient {
    /// Builds the client and its connection pool; do it once per process.
    pub fn new(config: &AuthsignalConfig) -> Self {
        AuthsignalClient {
            http: crate::http_client::build_with(config.connect_timeout),
            base_url: config.api_url.clone(),
            secret_key: config.secret_key.clone(),
            total_timeout: config.total_timeout,
        }
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&(impl Serialize + Sync)>,
    ) -> Result<T, AuthsignalError> {
        let bytes = self.send(method, segments, body).await?;
        // serde's messages quote the offending value, which is Authsignal's text.
        serde_json::from_slice(&bytes)
            .map_err(|error| AuthsignalError::Decode(redact::external_text(&error.to_string())))
    }

    /// Sends with retries and returns the body of a 2xx answer.
    async fn send(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&(impl Serialize + Sync)>,
    ) -> Result<Vec<u8>, AuthsignalError> {
        for segment in segments {
            // `.` and `..` would be resolved away by URL normalisation, changing the target.
            if segment.is_empty() || *segment == "." || *segment == ".." {
                return Err(AuthsignalError::InvalidArgument(format!(
                    "invalid path segment {segment:?}"
                )));
            }
        }
        let url = self.url(segments);
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|error| AuthsignalError::InvalidArgument(error.to_string()))?;
        let idempotent = method == Method::GET || method == Method::DELETE;
        let deadline = Instant::now() + self.total_timeout;
        let mut retries = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(AuthsignalError::Timeout {
                    budget: self.total_timeout,
                });
            }
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .basic_auth(self.secret_key.expose_secret(), Some(""))
                .header(ACCEPT, "application/json")
                .timeout(remaining);
            if let Some(body) = &body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let outcome = request.send().await;
            let wait = match &outcome {
                Err(error) if error.is_connect() => Some(backoff(retries)),
                Err(error) if idempotent && closed_before_answer(error) => Some(backoff(retries)),
                Ok(response) if idempotent && is_retryable_status(response.status()) => {
                    Some(retry_after(response.headers()).unwrap_or_else(|| backoff(retries)))
                }
                _ => None,
            };
            if let Some(wait) = wait
                && retries < MAX_RETRIES
                && Instant::now() + wait < deadline
            {
                tracing::warn!(%method, path = url.path(), retry = retries + 1, ?wait, "retrying Authsignal call");
                tokio::time::sleep(wait).await;
                retries += 1;
                continue;
            }
            return match outcome {
                Err(error) if error.is_timeout() => Err(AuthsignalError::Timeout {
                    budget: self.total_timeout,
                }),
                Err(error) => Err(AuthsignalError::Transport(crate::http_client::error_chain(
                    &error,
                ))),
                Ok(response) => self.read(response).await,
            };
        }
    }

    async fn read(&self, mut response: reqwest::Response) -> Result<Vec<u8>, AuthsignalError> {
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if body.len() + chunk.len() <= MAX_BODY_BYTES => {
                    body.extend_from_slice(&chunk)
                }
                Ok(Some(_)) => {
                    return Err(AuthsignalError::Decode(format!(
                        "response body exceeds {MAX_BODY_BYTES} bytes"
                    )));
                }
                Ok(None) => break,
                Err(error) if error.is_timeout() => {
                    return Err(AuthsignalError::Timeout {
                        budget: self.total_timeout,
                    });
                }
                Err(error) => {
                    return Err(AuthsignalError::Transport(crate::http_client::error_chain(
                        &error,
                    )));
                }
            }
        }
        if status.is_success() {
            return Ok(body);
        }
        let error_body: ErrorBody = serde_json::from_slice(&body).unwrap_or_default();
        let upstream = UpstreamError::new(
            status.as_u16(),
            error_body.error_code.or(error_body.error).as_deref(),
            error_body.error_description.as_deref(),
        );
        Err(match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                AuthsignalError::Unauthorized(upstream)
            }
            StatusCode::NOT_FOUND => AuthsignalError::NotFound(upstream),
            StatusCode::TOO_MANY_REQUESTS => AuthsignalError::RateLimited {
                upstream,
                retry_after,
            },
            status if status.is_client_error() => AuthsignalError::InvalidRequest(upstream),
            _ => AuthsignalError::Upstream(upstream),
        })
    }
}

#[async_trait]
impl AuthsignalApi for AuthsignalClient {
    async fn track(
        &self,
        user_id: &str,
        action: &str,
        attributes: &TrackAttributes,
    ) -> Result<TrackResponse, AuthsignalError> {
        self.call(
            Method::POST,
            &["users", user_id, "actions", action],
            Some(attributes),
        )
        .await
    }

    async fn validate_challenge(
        &self,
        request: &ValidateChallengeRequest,
    ) -> Result<ValidateChallengeResponse, AuthsignalError> {
        self.call(Method::POST, &["validate"], Some(request)).await
    }

    async fn get_authenticators(
        &self,
        user_id: &str,
    ) -> Result<Vec<UserAuthenticator>, AuthsignalError> {
        self.call(
            Method::GET,
            &["users", user_id, "authenticators"],
            None::<&()>,
        )
        .await
    }

    async fn delete_authenticator(
        &self,
        user_id: &str,
        authenticator_id: &str,
    ) -> Result<(), AuthsignalError> {
        let path = ["users", user_id, "authenticators", authenticator_id];
        // Any 2xx is success; the body (if any) carries nothing the service uses.
        self.send(Method::DELETE, &path, None::<&()>)
            .await
            .map(drop)
    }

    async fn enroll_verified_authenticator(
        &self,
        user_id: &str,
        request: &EnrollVerifiedAuthenticatorRequest,
    ) -> Result<EnrollVerifiedAuthenticatorResponse, AuthsignalError> {
        self.call(
            Method::POST,
            &["users", user_id, "authenticators"],
            Some(request),
        )
        .await
    }

    async fn get_user(&self, user_id: &str) -> Result<GetUserResponse, AuthsignalError> {
        self.call(Method::GET, &["users", user_id], None::<&()>)
            .await
    }
}

/// The request was sent (or was being sent) and the connection then closed or was reset before
/// a complete answer came back: Authsignal may or may not have acted on it. A timeout is not
/// this: each attempt's timeout is the rest of the budget.
fn closed_before_answer(error: &reqwest::Error) -> bool {
    if error.is_timeout() {
        return false;
    }
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        if let Some(hyper) = current.downcast_ref::<hyper::Error>()
            && hyper.is_incomplete_message()
        {
            return true;
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        cause = current.source();
    }
    false
}

fn is_retryable_status(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

/// `BACKOFF_BASE × 2^retry`, plus 0–20 % jitter so that clients do not retry in step.
fn backoff(retry: u32) -> Duration {
    let base = BACKOFF_BASE * 2u32.pow(retry);
    base + base.mul_f64(fastrand::f64() * 0.2)
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}
