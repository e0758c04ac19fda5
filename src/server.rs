//! The two ways to run the API as a plain HTTP server: `serve` (configured from the
//! environment, production-like) and `dev` (zero-config, with the local stack mounted:
//! Cognito token issuer and Authsignal emulator).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use secrecy::{ExposeSecret, SecretString};

use crate::api::{self, AppState};
use crate::auth::{self, CognitoVerifier};
use crate::authsignal::AuthsignalClient;
use crate::config::{AuthsignalConfig, CognitoConfig, Config, ConfigError, ConfigProblem};
use crate::http_client;
use crate::local::authsignal::{self as emulator, Emulator};
use crate::local::{self, LocalIssuer, TokenRequest};

/// Pool and client used by `dev` when `COGNITO_USER_POOL_ID` / `COGNITO_CLIENT_IDS` are unset.
pub const DEV_USER_POOL_ID: &str = "eu-west-1_LocalDev";
pub const DEV_CLIENT_ID: &str = "localdevclient";

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
}

/// `cognito-authsignal serve`: the API alone, configured only from the environment.
pub async fn serve(addr: SocketAddr, config: Config) -> Result<(), ServerError> {
    let verifier = auth::verifier(&config.cognito, http_client::build());
    let listener = TcpListener::bind(addr).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    println!("listening on {base_url}");
    prefetch_in_background(verifier.clone());
    let authsignal = Arc::new(AuthsignalClient::new(&config.authsignal));
    let app = api::router(AppState {
        verifier,
        authsignal,
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// `cognito-authsignal dev`: issuer + Authsignal emulator + API on one loopback port, then a
/// ready-to-use token. The emulator's secret is printed: it is a local, throw-away value.
pub async fn dev(port: u16) -> Result<(), ServerError> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let cognito = dev_cognito_config(&base_url)?;
    let issuer = Arc::new(LocalIssuer::new(&cognito));
    let verifier = auth::verifier(&cognito, http_client::build());
    let (secret_key, secret_origin) = match std::env::var("AUTHSIGNAL_SECRET_KEY") {
        Ok(secret) if !secret.trim().is_empty() => (
            SecretString::from(secret.trim().to_owned()),
            "from AUTHSIGNAL_SECRET_KEY",
        ),
        _ => (emulator::generate_secret_key(), "generated"),
    };
    let emulator = Arc::new(Emulator::new(secret_key.clone(), &base_url));
    // The service reaches the emulator over HTTP with its ordinary client: the production path.
    let authsignal_config = AuthsignalConfig::new(&emulator.api_url(), secret_key.clone())
        .map_err(|message| ConfigError {
            problems: vec![ConfigProblem {
                variable: "AUTHSIGNAL_API_URL",
                message,
            }],
        })?;
    let authsignal = Arc::new(AuthsignalClient::new(&authsignal_config));

    let app = api::finish(
        api::routes(AppState {
            verifier: verifier.clone(),
            authsignal,
        })
        .merge(local::issuer::routes(issuer.clone()))
        .merge(emulator::routes(emulator.clone())),
    );
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    // The verifier fetches the issuer's JWKS over HTTP, the same path as production.
    prefetch_in_background(verifier);

    let demo = TokenRequest {
        username: Some("dev-user".into()),
        ..TokenRequest::default()
    };
    let token = issuer
        .mint(&demo)
        .map(|t| t.access_token)
        .unwrap_or_default();
    println!("listening on {base_url}");
    println!();
    println!("cognito-authsignal dev: local stack, nothing leaves this machine");
    println!("  API                {base_url}/v1/...");
    println!("  Cognito issuer     {}", cognito.issuers[0]);
    println!("  JWKS               {}", cognito.jwks_url);
    println!("  mint tokens        POST {base_url}/local/cognito/token");
    println!(
        "  user pool / client {} / {}",
        cognito.user_pool_id,
        cognito.client_ids.join(",")
    );
    println!("  Authsignal API     {} (emulator)", emulator.api_url());
    println!(
        "  Authsignal secret  {} ({secret_origin})",
        secret_key.expose_secret()
    );
    println!("  OTP outbox         {base_url}/local/authsignal/outbox");
    println!();
    println!("An access token for `dev-user` (valid 1 hour):");
    println!("TOKEN={token}");
    println!();
    println!("Try:");
    println!("curl -s -H \"Authorization: Bearer $TOKEN\" {base_url}/v1/me");
    println!(
        "curl -s -X POST {base_url}/local/cognito/token -H 'Content-Type: application/json' \\\n     -d '{{\"username\":\"alice\",\"groups\":[\"authenticator-admins\"]}}'"
    );

    server.await.map_err(std::io::Error::other)??;
    Ok(())
}

/// The `dev` pool: environment values where set, local defaults otherwise; the JWKS is always
/// the embedded issuer's.
fn dev_cognito_config(base_url: &str) -> Result<CognitoConfig, ConfigError> {
    let pool_id =
        std::env::var("COGNITO_USER_POOL_ID").unwrap_or_else(|_| DEV_USER_POOL_ID.to_owned());
    let client_ids: Vec<String> = std::env::var("COGNITO_CLIENT_IDS")
        .unwrap_or_else(|_| DEV_CLIENT_ID.to_owned())
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    let mut cognito = CognitoConfig::for_pool(&pool_id, client_ids)?;
    cognito.jwks_url = LocalIssuer::jwks_url(base_url, &cognito.user_pool_id);
    Ok(cognito)
}

fn prefetch_in_background(verifier: Arc<CognitoVerifier>) {
    tokio::spawn(async move {
        if let Err(error) = verifier.jwks().prefetch().await {
            tracing::warn!(%error, "JWKS prefetch failed; the first request will retry");
        }
    });
}

async fn shutdown_signal() {
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
