//! The API as a plain HTTP server: `serve` (configured from the environment, production-like),
//! and the state every way of running it shares. `dev` (the local stack) is in `local::dev`.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::api::{self, AppState};
use crate::auth::{self, CognitoVerifier};
use crate::authsignal::AuthsignalClient;
use crate::config::{Config, ConfigError};
use crate::http_client;
use crate::integrations::Integrations;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    LocalAws(#[from] crate::local::aws::LocalAwsError),
}

/// Everything a process needs to serve the API, built once from `config`: the verifier (its
/// JWKS cache is shared by every request), the Authsignal client (one connection pool) and the
/// integrations (AWS clients only when one is configured).
pub async fn app_state(config: &Config) -> AppState {
    let integrations =
        Integrations::from_config(&config.integrations, &config.cognito.user_pool_id).await;
    base_state(config).with_integrations(integrations)
}

/// The state with every integration in process (no AWS client).
pub fn base_state(config: &Config) -> AppState {
    let verifier = auth::verifier(&config.cognito, http_client::build());
    let authsignal = Arc::new(AuthsignalClient::new(&config.authsignal));
    AppState::new(verifier, authsignal, config.api.clone())
}

/// `cognito-authsignal serve`: the API alone, configured only from the environment.
pub async fn serve(addr: SocketAddr, config: Config) -> Result<(), ServerError> {
    let state = app_state(&config).await;
    let listener = TcpListener::bind(addr).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    println!("listening on {base_url}");
    prefetch_in_background(state.verifier.clone());
    let app = api::router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

pub(crate) fn prefetch_in_background(verifier: Arc<CognitoVerifier>) {
    tokio::spawn(async move {
        if let Err(error) = verifier.jwks().prefetch().await {
            tracing::warn!(%error, "JWKS prefetch failed; the first request will retry");
        }
    });
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
