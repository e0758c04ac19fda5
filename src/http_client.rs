//! How the process's outbound HTTP clients are built: keep-alive, rustls, no redirects. Two per
//! process, each built once at start: the JWKS fetcher's ([`build`]) and the Authsignal
//! client's ([`build_with`] its own connect timeout, `AUTHSIGNAL_CONNECT_TIMEOUT_MS`).

use std::time::Duration;

/// Connect timeout of [`build`]'s client; per-request totals are set by each caller.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1_000);

/// Builds a client. Call once at start-up and clone the handle (clones share the pool).
pub fn build() -> reqwest::Client {
    build_with(CONNECT_TIMEOUT)
}

/// A client with its own connect timeout (and its own keep-alive pool).
pub fn build_with(connect_timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .user_agent(concat!("cognito-authsignal/", env!("CARGO_PKG_VERSION")))
        // Never follow redirects: a JWKS or API endpoint that redirects is misconfigured.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|err| panic!("the HTTP client cannot be built on this platform: {err}"))
}

/// An error and its causes on one line (reqwest puts the useful part in the sources).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
