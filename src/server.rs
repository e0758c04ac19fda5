//! The two ways to run the API as a plain HTTP server: `serve` (configured from the
//! environment, production-like) and `dev` (zero-config, with the local stack mounted:
//! Cognito token issuer and Authsignal emulator).

use std::net::SocketAddr;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;

use crate::api::{self, AppState, Surface};
use crate::auth::{self, CognitoVerifier};
use crate::authsignal::AuthsignalClient;
use crate::config::{self, Config, ConfigError, TriggerConfig};
use crate::http_client;
use crate::integrations::Integrations;
use crate::local::authsignal::{self as emulator, Emulator};
use crate::local::cognito::LocalCognito;
use crate::local::{self, LocalIssuer, TokenRequest};
use crate::triggers::SignInChallenge;

/// Pool and client used by `dev` when `COGNITO_USER_POOL_ID` / `COGNITO_CLIENT_IDS` are unset.
pub const DEV_USER_POOL_ID: &str = "eu-west-1_LocalDev";
pub const DEV_CLIENT_ID: &str = "localdevclient";
/// `dev`'s defaults for a front end on Vite's default port.
pub const DEV_REDIRECT_ALLOWLIST: &str = "http://localhost:5173/";
pub const DEV_CORS_ORIGINS: &str = "http://localhost:5173";

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
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

/// `cognito-authsignal dev`: issuer + Authsignal emulator + API on one loopback port, then a
/// ready-to-use token and a curl line per route. The emulator's secret is printed: it is a
/// local, throw-away value.
pub async fn dev(port: u16) -> Result<(), ServerError> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let (secret_key, secret_origin) = match std::env::var("AUTHSIGNAL_SECRET_KEY") {
        Ok(secret) if !secret.trim().is_empty() => (
            SecretString::from(secret.trim().to_owned()),
            "from AUTHSIGNAL_SECRET_KEY",
        ),
        _ => (emulator::generate_secret_key(), "generated"),
    };
    let emulator = Arc::new(Emulator::new(secret_key.clone(), &base_url));
    let lookup = dev_lookup(&base_url, &emulator.api_url(), &secret_key);
    let config = Config::from_lookup(&lookup)?;
    let triggers = TriggerConfig::from_lookup(&lookup)?;
    let prevent_user_existence_errors = prevent_user_existence_errors(&lookup)?;
    let issuer = Arc::new(LocalIssuer::new(&config.cognito));
    // The local pool runs the sign-in triggers in process, reaching the emulator over HTTP.
    let cognito = Arc::new(
        LocalCognito::new(
            &config.cognito,
            issuer.clone(),
            triggers.sign_in.clone(),
            SignInChallenge::from_config(&triggers),
        )
        .with_prevent_user_existence_errors(prevent_user_existence_errors),
    );
    // The service reaches the issuer's JWKS and the emulator over HTTP with its ordinary
    // clients: the production path.
    let state = app_state(&config).await;
    let verifier = state.verifier.clone();
    let app = api::finish(
        api::routes(state, Surface::All)
            .merge(local::cognito::issuer::routes(issuer.clone()))
            .merge(local::cognito::routes(cognito.clone()))
            .merge(emulator::routes(emulator.clone())),
        &config.api,
    );
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    prefetch_in_background(verifier);

    let demo = TokenRequest {
        username: Some("dev-user".into()),
        ..TokenRequest::default()
    };
    let token = issuer
        .mint(&demo)
        .map(|t| t.access_token)
        .unwrap_or_default();
    print_banner(
        &base_url,
        &config,
        &cognito,
        &emulator,
        &secret_key,
        secret_origin,
        &token,
    );
    server.await.map_err(std::io::Error::other)??;
    Ok(())
}

fn print_banner(
    base_url: &str,
    config: &Config,
    user_pool: &LocalCognito,
    emulator: &Emulator,
    secret_key: &SecretString,
    secret_origin: &str,
    token: &str,
) {
    let cognito = &config.cognito;
    let sign_in = user_pool.sign_in_policy();
    let allowlist: Vec<&str> = config
        .api
        .settings_redirect_allowlist
        .iter()
        .map(url::Url::as_str)
        .collect();
    println!("listening on {base_url}");
    println!();
    println!("cognito-authsignal dev: local stack, nothing leaves this machine");
    println!("  API                {base_url}/v1/...  (OpenAPI: {base_url}/openapi.json)");
    println!("  Cognito issuer     {}", cognito.issuers[0]);
    println!("  JWKS               {}", cognito.jwks_url);
    println!("  mint tokens        POST {base_url}/local/cognito/token");
    println!(
        "  Cognito user pool  {}  (SignUp, InitiateAuth CUSTOM_AUTH, RespondToAuthChallenge)",
        LocalCognito::endpoint_url(base_url)
    );
    println!(
        "  sign-in            SIGN_IN_MODE={}  CHALLENGE_UI={}  MAX_CHALLENGE_ATTEMPTS={}",
        sign_in.mode.as_str(),
        sign_in.challenge_ui.as_str(),
        sign_in.max_challenge_attempts
    );
    println!(
        "  unknown users      PREVENT_USER_EXISTENCE_ERRORS={}",
        user_pool.prevents_user_existence_errors()
    );
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
    println!("  admin group        {}", config.api.admin_group);
    println!("  redirect allowlist {}", allowlist.join(","));
    println!();
    println!("An access token for `dev-user` (valid 1 hour):");
    println!("TOKEN={token}");
    println!();
    println!(
        "Try (an admin token: add \"groups\":[\"{}\"] when minting):",
        config.api.admin_group
    );
    let auth = "-H \"Authorization: Bearer $TOKEN\"";
    let json = "-H 'Content-Type: application/json'";
    println!("curl -s {auth} {base_url}/v1/me/authenticators");
    println!(
        "curl -s -X POST {auth} {json} -d '{{\"email\":\"me@example.com\"}}' {base_url}/v1/me/authenticators/enrollment-token"
    );
    println!(
        "curl -s -X POST {auth} {json} -d '{{\"redirectUrl\":\"{}\"}}' {base_url}/v1/me/authenticators/settings-url",
        allowlist.first().copied().unwrap_or(DEV_REDIRECT_ALLOWLIST)
    );
    println!(
        "curl -s -X POST {auth} {json} -d '{{\"operation\":\"removeAuthenticator\"}}' {base_url}/v1/me/step-up"
    );
    println!("curl -s -X DELETE {auth} {base_url}/v1/me/authenticators/AUTHENTICATOR_ID");
    println!("curl -s {auth} {base_url}/v1/admin/users/USER_ID/authenticators");
    println!(
        "curl -s -X DELETE {auth} {base_url}/v1/admin/users/USER_ID/authenticators/AUTHENTICATOR_ID"
    );
    println!(
        "curl -s -X POST {base_url}/local/cognito/token {json} -d '{{\"username\":\"alice\",\"groups\":[\"{}\"]}}'",
        config.api.admin_group
    );
    println!("curl -s {auth} {base_url}/v1/me");
}

/// The `dev` configuration, read like `serve`'s and the triggers' (`from_lookup`): environment
/// values where set, local defaults otherwise; the JWKS, the issuers and Authsignal always point
/// at the embedded stack.
fn dev_lookup(
    base_url: &str,
    authsignal_url: &str,
    secret_key: &SecretString,
) -> impl Fn(&str) -> Option<String> + use<> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let pool_id = env("COGNITO_USER_POOL_ID").unwrap_or_else(|| DEV_USER_POOL_ID.to_owned());
    let jwks_url = LocalIssuer::jwks_url(base_url, &pool_id);
    let authsignal_url = authsignal_url.to_owned();
    let secret_key = secret_key.clone();
    move |name| match name {
        "COGNITO_USER_POOL_ID" => Some(pool_id.clone()),
        "COGNITO_JWKS_URL" => Some(jwks_url.clone()),
        // The local issuer signs with the pool's default issuer.
        "COGNITO_ISSUERS" => None,
        "AUTHSIGNAL_API_URL" => Some(authsignal_url.clone()),
        "AUTHSIGNAL_SECRET_KEY" => Some(secret_key.expose_secret().to_owned()),
        _ => env(name).or_else(|| match name {
            "COGNITO_CLIENT_IDS" => Some(DEV_CLIENT_ID.to_owned()),
            "SETTINGS_REDIRECT_ALLOWLIST" => Some(DEV_REDIRECT_ALLOWLIST.to_owned()),
            "CORS_ALLOWED_ORIGINS" => Some(DEV_CORS_ORIGINS.to_owned()),
            _ => None,
        }),
    }
}

/// `PREVENT_USER_EXISTENCE_ERRORS` for the local pool: `true` (default) or `false` (`LEGACY`).
fn prevent_user_existence_errors(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<bool, ConfigError> {
    const NAME: &str = "PREVENT_USER_EXISTENCE_ERRORS";
    let mut problems = Vec::new();
    let enabled = config::boolean(lookup(NAME), true)
        .map_err(|message| config::report(&mut problems, NAME, message))
        .ok();
    config::finish(enabled, problems)
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
