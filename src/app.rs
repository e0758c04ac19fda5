//! The composition root: every process (`serve`, `dev`, the Lambda functions) and every test
//! puts the application together here, and nowhere else. Settings are read once
//! ([`Settings`]), the ports get their adapters ([`App::build`]), the router is made for a
//! surface ([`App::router`]), and one server loop serves it ([`App::serve`]), with the limits
//! production has. The sign-in triggers are assembled here too ([`sign_in_challenge`],
//! [`verify_challenge`]), and the change notifier ([`change_notifier`]).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::api::{self, AppState, Surface};
use crate::auth;
use crate::authsignal::AuthsignalClient;
use crate::config::{self, Config, ConfigError, NoticeConfig, ServerConfig, TriggerConfig};
use crate::directory::cognito::CognitoDirectory;
use crate::events::ChangePublisher;
use crate::events::eventbridge::EventBridgePublisher;
use crate::http_client;
use crate::integrations::{self, Integrations};
use crate::notifier::Notifier;
use crate::notifier::ses::SesMailer;
use crate::replay::dynamodb::DynamoDbReplayStore;
use crate::replay::{MemoryReplayStore, ReplayStore};
use crate::server;
use crate::triggers::SignInChallenge;
use crate::verified_contacts::cognito::CognitoContactVerifier;

/// Everything `serve` reads from its environment: the API's configuration and the server's
/// limits, every problem of both reported together.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    pub server: ServerConfig,
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let config = config::collect(Config::from_lookup(&lookup), &mut problems);
        let server = config::collect(ServerConfig::from_lookup(&lookup), &mut problems);
        let settings = config
            .zip(server)
            .map(|(config, server)| Settings { config, server });
        config::finish(settings, problems)
    }
}

/// The API with its ports wired: built once per process, before any request.
#[derive(Clone)]
pub struct App {
    state: AppState,
}

impl App {
    /// Production's wiring: the JWKS verifier, the Authsignal client (each with its own
    /// keep-alive pool), and the AWS adapters the configuration turns on (no AWS client
    /// otherwise).
    pub async fn build(config: &Config) -> App {
        let integrations =
            Integrations::from_config(&config.integrations, &config.cognito.user_pool_id).await;
        Self::with_integrations(config, integrations)
    }

    /// The same with these adapters behind the integration ports (`dev --aws-local`, tests).
    pub fn with_integrations(config: &Config, integrations: Integrations) -> App {
        let verifier = auth::verifier(&config.cognito, http_client::build());
        let authsignal = Arc::new(AuthsignalClient::new(&config.authsignal));
        let state =
            AppState::new(verifier, authsignal, config.api.clone()).with_integrations(integrations);
        App { state }
    }

    /// An app over a state whose ports a test chose itself.
    pub fn from_state(state: AppState) -> App {
        App { state }
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The routes of `surface`, with what every response shares (problem+json fallbacks, body
    /// limit, CORS, request id, `Cache-Control`).
    pub fn router(&self, surface: Surface) -> Router {
        self.router_with(surface, Router::new())
    }

    /// The same with `extra` routes merged in before what every response shares (`dev` adds the
    /// local stack's).
    pub fn router_with(&self, surface: Surface, extra: Router) -> Router {
        api::with_shared_layers(
            api::routes(self.state.clone(), surface).merge(extra),
            &self.state.settings,
        )
    }

    /// Serves the whole API (and `extra` routes) on `listener` with `limits` until `shutdown`:
    /// the one server loop, with its header deadline, connection caps, header limit and drain.
    pub async fn serve(
        &self,
        listener: TcpListener,
        limits: &ServerConfig,
        extra: Router,
        shutdown: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        let router = self.router_with(Surface::All, extra);
        return_freed_memory();
        server::serve_connections(listener, router, limits, shutdown).await
    }

    /// Loads the JWKS while the process starts serving; a failure is retried by the first
    /// request.
    pub fn prefetch_jwks_in_background(&self) {
        let verifier = self.state.verifier.clone();
        tokio::spawn(async move {
            if let Err(error) = verifier.jwks().prefetch().await {
                tracing::warn!(%error, "JWKS prefetch failed; the first request will retry");
            }
        });
    }
}

/// `cognito-authsignal serve`: the API alone, configured from the environment, until SIGTERM
/// or Ctrl-C.
pub async fn serve(addr: SocketAddr, settings: &Settings) -> std::io::Result<()> {
    let app = App::build(&settings.config).await;
    let listener = server::listen(addr)?;
    println!("listening on http://{}", listener.local_addr()?);
    app.prefetch_jwks_in_background();
    app.serve(
        listener,
        &settings.server,
        Router::new(),
        server::shutdown_signal(),
    )
    .await
}

/// Building the router builds the OpenAPI model of every route (utoipa-axum) and drops it, and
/// glibc's allocator keeps the pages it freed: several hundred KiB that an idle process would
/// otherwise hold for good. Called once, after start-up.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns the allocator's free pages to the kernel; it takes no
    // pointer and leaves every live allocation where it is.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Create auth challenge's wiring: Authsignal only.
pub fn sign_in_challenge(config: &TriggerConfig) -> SignInChallenge {
    SignInChallenge::new(
        Arc::new(AuthsignalClient::new(&config.authsignal)),
        &config.actions.sign_in,
        config.sign_in.clone(),
    )
}

/// Verify auth challenge's wiring on AWS: Authsignal, the user pool (to mark a proved contact
/// verified; the pool and user come with each event), with `REPLAY_TABLE_NAME` the replay table
/// (a passkey sign-in answers one round across instances) and with `EVENT_BUS_NAME` EventBridge,
/// all with the triggers' short SDK timeouts.
pub async fn verify_challenge(config: &TriggerConfig) -> SignInChallenge {
    // Boxed: the SDK's config loader is a large future (see `Integrations::from_config`).
    let sdk = Box::pin(integrations::trigger_sdk_config()).await;
    let contacts = CognitoContactVerifier::new(aws_sdk_cognitoidentityprovider::Client::new(&sdk));
    let changes = config.integrations.event_bus.as_ref().map(|bus| {
        Arc::new(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&sdk),
            bus,
            &config.integrations.event_source,
        )) as Arc<dyn ChangePublisher>
    });
    let replay: Arc<dyn ReplayStore> = match &config.integrations.replay_table {
        Some(table) => Arc::new(DynamoDbReplayStore::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            table,
        )),
        None => {
            tracing::warn!(
                "REPLAY_TABLE_NAME is unset: a passkey sign-in is remembered per warm instance \
                 only, so one could answer a round on each instance"
            );
            Arc::new(MemoryReplayStore::default())
        }
    };
    sign_in_challenge(config)
        .with_contacts(Arc::new(contacts))
        .with_changes(changes)
        .with_replay(replay)
}

/// The change notifier's wiring on AWS: the user pool (whose email address a notice goes to)
/// and SES, with the API's SDK timeouts.
pub async fn change_notifier(config: &NoticeConfig) -> Notifier {
    let sdk = Box::pin(integrations::sdk_config()).await;
    Notifier::new(
        Arc::new(CognitoDirectory::new(
            aws_sdk_cognitoidentityprovider::Client::new(&sdk),
            &config.user_pool_id,
        )),
        Arc::new(SesMailer::new(
            aws_sdk_ses::Client::new(&sdk),
            &config.sender,
            &config.template,
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::lookup;

    #[test]
    fn settings_report_the_api_and_server_problems_together() {
        let error = Settings::from_lookup(lookup(&[
            ("COGNITO_USER_POOL_ID", "not a pool"),
            ("SERVER_MAX_CONNECTIONS", "0"),
        ]))
        .unwrap_err();
        let variables: Vec<_> = error.problems.iter().map(|p| p.variable).collect();
        assert!(variables.contains(&"COGNITO_USER_POOL_ID"), "{variables:?}");
        assert!(
            variables.contains(&"SERVER_MAX_CONNECTIONS"),
            "{variables:?}"
        );
    }
}
