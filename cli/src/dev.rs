//! `cognito-authsignal dev`: the whole service on one loopback port with no configuration and
//! no network: the API, a Cognito user pool (sign-up, custom-auth sign-in with the triggers,
//! token issuer), the Authsignal emulator, and on request the AWS integrations on moto (with
//! the change notices, sent through moto's SES and shown in the log).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use cognito_authsignal::app::{self, App};
use cognito_authsignal::config::{
    self, CognitoConfig, Config, ConfigError, DEFAULT_EVENT_SOURCE, IntegrationsConfig,
    ServerConfig, SignInConfig, TriggerConfig,
};
use cognito_authsignal::contact::mask_email;
use cognito_authsignal::directory::cognito::CognitoDirectory;
use cognito_authsignal::integrations::{AwsClients, Integrations};
use cognito_authsignal::notifier::ses::SesMailer;
use cognito_authsignal::notifier::{Notifier, Outcome};
use cognito_authsignal::replay::dynamodb::{EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE};
use cognito_authsignal::secrets;
use cognito_authsignal::server::{listen, shutdown_signal};
use cognito_authsignal::verified_contacts::cognito::CognitoContactVerifier;
use cognito_authsignal_local::authsignal::{self as emulator, Emulator, RelyingParty};
use cognito_authsignal_local::aws::{self, BusSpec, LocalAws, NOTICE_SENDER, TableSpec};
use cognito_authsignal_local::cognito::{self as local_cognito, LocalCognito, PoolConfig};
use cognito_authsignal_local::web_app::{self, AppConfig};
use cognito_authsignal_local::{LocalIssuer, TokenRequest};

use crate::triggers::ProductTriggers;

/// `dev --aws-local`'s resources on moto: the replay table as the SAM template makes it, and a
/// bus whose change events land in a queue that `dev` prints.
pub const REPLAY_TABLE: &str = "cognito-authsignal-replay";
pub const EVENT_BUS: &str = "cognito-authsignal-local";
const EVENT_QUEUE: &str = "cognito-authsignal-events";

/// Why `dev` could not start.
#[derive(Debug, thiserror::Error)]
pub enum DevError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "port {0} is in use: start dev on another with `--port <N>` (`make dev PORT=<N>`), or `--port 0` for any free port"
    )]
    PortInUse(u16),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    LocalAws(#[from] aws::LocalAwsError),
}

/// Pool and client used by `dev` when `COGNITO_USER_POOL_ID` / `COGNITO_CLIENT_IDS` are unset.
pub const DEV_USER_POOL_ID: &str = "eu-west-1_LocalDev";
pub const DEV_CLIENT_ID: &str = "localdevclient";
/// `dev`'s defaults for a front end on Vite's default port (the example app served by `dev`
/// itself, at `http://localhost:<port>/`, is added to both).
pub const DEV_REDIRECT_ALLOWLIST: &str = "http://localhost:5173/";
pub const DEV_CORS_ORIGINS: &str = "http://localhost:5173";
/// The tenant id the example app gives `@authsignal/browser` (the emulator has one tenant).
pub const DEV_TENANT_ID: &str = cognito_authsignal_local::authsignal::TENANT_ID;

/// `cognito-authsignal dev`: issuer + user pool + Authsignal emulator + API on one loopback
/// port, then a ready-to-use token and a curl line per route. The emulator's generated secret is
/// printed (a local, throw-away value); one taken from the environment is masked. With `aws_local`, the AWS integrations run on a
/// `moto_server` started here (see `cognito_authsignal_local::aws`).
pub async fn run(port: u16, aws_local: bool) -> Result<(), DevError> {
    let listener = listen(SocketAddr::from(([127, 0, 0, 1], port))).map_err(|error| {
        if error.kind() == std::io::ErrorKind::AddrInUse {
            DevError::PortInUse(port)
        } else {
            DevError::Io(error)
        }
    })?;
    let base_url = format!("http://{}", listener.local_addr()?);
    // A key from the environment may be someone's real key: the banner shows it masked. The
    // generated one is a throw-away local value, shown in full so it can be pasted.
    let (secret_key, shown_secret) = match std::env::var("AUTHSIGNAL_SECRET_KEY") {
        Ok(secret) if !secret.trim().is_empty() => {
            let secret = secret.trim().to_owned();
            let shown = format!("{} (from AUTHSIGNAL_SECRET_KEY)", secrets::mask(&secret));
            (SecretString::from(secret), shown)
        }
        _ => {
            let secret = emulator::generate_secret_key();
            let shown = format!("{} (generated)", secret.expose_secret());
            (secret, shown)
        }
    };
    // Browsers reach the example app on `localhost` (the passkey relying party), not 127.0.0.1.
    let app_origin = format!("http://localhost:{}", listener.local_addr()?.port());
    let emulator = Emulator::new(secret_key.clone(), &base_url);
    let lookup = dev_lookup(&base_url, &app_origin, &emulator.api_url(), &secret_key);
    let DevSettings {
        config,
        triggers,
        limits,
        relying_party,
        prevent_user_existence_errors,
        web_app_dir,
    } = DevSettings::from_lookup(&lookup)?;
    let emulator = Arc::new(
        emulator
            .with_relying_party(relying_party)
            .with_app_origins(app_origins(&config, &app_origin)),
    );
    let pool = PoolConfig::new(
        &config.cognito.user_pool_id,
        config.cognito.client_ids.clone(),
    );
    let issuer = Arc::new(LocalIssuer::new(&pool));
    // The service reaches the issuer's JWKS and the emulator over HTTP with its ordinary
    // clients: the production path. AWS is reached only with --aws-local, and then only moto.
    let local_aws = if aws_local {
        Some(start_moto(&config.cognito.region).await?)
    } else {
        None
    };
    let pool_endpoint = LocalCognito::endpoint_url(&base_url);
    let integrations = local_aws
        .as_ref()
        .map(|aws| integrations_on(aws, &config.cognito.user_pool_id, &pool_endpoint));
    // The local pool runs the sign-in triggers in process, reaching the emulator over HTTP and
    // itself (to mark a proved contact verified) through the AWS SDK, as Verify does on Lambda.
    let mut challenge = app::sign_in_challenge(&triggers)
        .with_contacts(Arc::new(CognitoContactVerifier::new(pool_client(
            &config.cognito.region,
            &pool_endpoint,
        ))))
        .with_changes(integrations.as_ref().and_then(|i| i.changes.clone()));
    if let Some(integrations) = &integrations {
        challenge = challenge.with_replay(integrations.replay.clone());
    }
    let sign_in = triggers.sign_in.clone();
    let cognito = Arc::new(
        LocalCognito::new(
            &pool,
            issuer.clone(),
            Arc::new(ProductTriggers {
                policy: sign_in.clone(),
                challenge,
            }),
        )
        .with_prevent_user_existence_errors(prevent_user_existence_errors)
        .with_group(&config.api.admin_group),
    );
    let app_config = AppConfig {
        user_pool_id: config.cognito.user_pool_id.clone(),
        user_pool_client_id: config
            .cognito
            .client_ids
            .first()
            .cloned()
            .unwrap_or_default(),
        authsignal_tenant_id: DEV_TENANT_ID.to_owned(),
        admin_group: config.api.admin_group.clone(),
        challenge_ui: sign_in.challenge_ui.as_str().to_owned(),
        sign_in_mode: sign_in.mode.as_str().to_owned(),
        sign_in_action: triggers.actions.sign_in.clone(),
    };
    let mut integrations = integrations.unwrap_or_default();
    // The help desk finds users in the local pool, as the admin function does in Cognito.
    integrations.directory = Some(Arc::new(CognitoDirectory::new(
        pool_client(&config.cognito.region, &pool_endpoint),
        &config.cognito.user_pool_id,
    )));
    let app = App::with_integrations(&config, integrations);
    let local_routes = local_cognito::issuer::routes(issuer.clone())
        .merge(local_cognito::routes(cognito.clone()))
        .merge(emulator::routes(emulator.clone()))
        .merge(web_app::routes(
            &web_app_dir,
            app_config,
            base_url.trim_start_matches("http://").to_owned(),
        ));
    let serving = app.clone();
    let server = tokio::spawn(async move {
        serving
            .serve(listener, &limits, local_routes, shutdown_signal())
            .await
    });
    app.prefetch_jwks_in_background();

    let demo = TokenRequest {
        username: Some("dev-user".into()),
        ..TokenRequest::default()
    };
    let token = issuer
        .mint(&demo)
        .map(|t| t.access_token)
        .unwrap_or_default();
    Banner {
        base_url: &base_url,
        config: &config,
        user_pool: &cognito,
        sign_in: &sign_in,
        emulator: &emulator,
        secret: &shown_secret,
        local_aws: local_aws.as_ref(),
        token: &token,
        app_url: &app_origin,
    }
    .print();
    if let Some(aws) = &local_aws {
        let notices = notices_on(aws, &config.cognito, &pool_endpoint).await?;
        aws.print_events(move |event| {
            let notices = notices.clone();
            async move { notices.deliver(event).await }
        });
    }
    server.await.map_err(std::io::Error::other)??;
    Ok(())
}

/// What `dev` prints when it is ready.
struct Banner<'a> {
    base_url: &'a str,
    config: &'a Config,
    user_pool: &'a LocalCognito,
    sign_in: &'a SignInConfig,
    emulator: &'a Emulator,
    /// The emulator's secret as it may be shown, and where it came from.
    secret: &'a str,
    local_aws: Option<&'a LocalAws>,
    token: &'a str,
    /// `http://localhost:<port>`: the example app.
    app_url: &'a str,
}

impl Banner<'_> {
    fn print(&self) {
        let Banner {
            base_url,
            config,
            user_pool,
            sign_in,
            emulator,
            secret,
            local_aws,
            token,
            app_url,
        } = *self;
        let cognito = &config.cognito;
        let allowlist: Vec<&str> = config
            .api
            .settings_redirect_allowlist
            .iter()
            .map(url::Url::as_str)
            .collect();
        println!("listening on {base_url}");
        println!();
        println!("cognito-authsignal dev: local stack, nothing leaves this machine");
        println!("  example web app    {app_url}/  (passkeys need this `localhost` address)");
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
        println!("  Authsignal secret  {secret}");
        println!("  OTP outbox         {base_url}/local/authsignal/outbox");
        match local_aws {
            Some(aws) => println!(
                "  AWS (moto)         {}: replay table {}, event bus {} (events printed below), sessions revoked on removal, change notices from {} through SES (printed below)",
                aws.endpoint, REPLAY_TABLE, EVENT_BUS, NOTICE_SENDER
            ),
            None => println!(
                "  AWS integrations   off (`dev --aws-local` runs them on a local moto_server)"
            ),
        }
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
}

/// The `dev` configuration, read like `serve`'s and the triggers' (`from_lookup`): environment
/// values where set, local defaults otherwise; the JWKS, the issuers and Authsignal always point
/// at the embedded stack.
fn dev_lookup(
    base_url: &str,
    app_origin: &str,
    authsignal_url: &str,
    secret_key: &SecretString,
) -> impl Fn(&str) -> Option<String> + use<> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let pool_id = env("COGNITO_USER_POOL_ID").unwrap_or_else(|| DEV_USER_POOL_ID.to_owned());
    let jwks_url = LocalIssuer::jwks_url(base_url, &pool_id);
    let authsignal_url = authsignal_url.to_owned();
    let secret_key = secret_key.clone();
    let redirect_allowlist = format!("{DEV_REDIRECT_ALLOWLIST},{app_origin}/");
    let cors_origins = format!("{DEV_CORS_ORIGINS},{app_origin}");
    move |name| match name {
        "COGNITO_USER_POOL_ID" => Some(pool_id.clone()),
        "COGNITO_JWKS_URL" => Some(jwks_url.clone()),
        // The local issuer signs with the pool's default issuer.
        "COGNITO_ISSUERS" => None,
        "AUTHSIGNAL_API_URL" => Some(authsignal_url.clone()),
        "AUTHSIGNAL_SECRET_KEY" => Some(secret_key.expose_secret().to_owned()),
        // Nothing leaves the machine: real AWS is never configured from the environment here.
        "REPLAY_TABLE_NAME" | "EVENT_BUS_NAME" | "REVOKE_SESSIONS_ON_REMOVAL" => None,
        _ => env(name).or_else(|| match name {
            "COGNITO_CLIENT_IDS" => Some(DEV_CLIENT_ID.to_owned()),
            "SETTINGS_REDIRECT_ALLOWLIST" => Some(redirect_allowlist.clone()),
            "CORS_ALLOWED_ORIGINS" => Some(cors_origins.clone()),
            // The emulator's relying party and the API's accepted-passkey lists name the same.
            "PASSKEY_RP_ID" => Some("localhost".to_owned()),
            _ => None,
        }),
    }
}

/// Everything `dev` reads: the service's configuration (as `serve` and the triggers read it),
/// the server's limits, and the local stack's own settings, every problem reported together.
struct DevSettings {
    config: Config,
    triggers: TriggerConfig,
    limits: ServerConfig,
    relying_party: RelyingParty,
    /// `PREVENT_USER_EXISTENCE_ERRORS` for the local pool: `true` (default) or `false` (`LEGACY`).
    prevent_user_existence_errors: bool,
    /// `WEB_APP_DIR`: the example app's build.
    web_app_dir: PathBuf,
}

impl DevSettings {
    fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let config = config::collect(Config::from_lookup(lookup), &mut problems);
        let triggers = config::collect(TriggerConfig::from_lookup(lookup), &mut problems);
        let limits = config::collect(ServerConfig::from_lookup(lookup), &mut problems);
        let relying_party = relying_party(lookup, &mut problems);
        const PREVENT: &str = "PREVENT_USER_EXISTENCE_ERRORS";
        let prevent_user_existence_errors = config::boolean(lookup(PREVENT), true)
            .map_err(|message| config::report(&mut problems, PREVENT, message))
            .ok();
        let web_app_dir = PathBuf::from(
            lookup("WEB_APP_DIR").unwrap_or_else(|| web_app::DEFAULT_WEB_APP_DIR.to_owned()),
        );
        let settings = (|| {
            Some(DevSettings {
                config: config?,
                triggers: triggers?,
                limits: limits?,
                relying_party: relying_party?,
                prevent_user_existence_errors: prevent_user_existence_errors?,
                web_app_dir,
            })
        })();
        config::finish(settings, problems)
    }
}

/// The emulator's passkey relying party: `PASSKEY_RP_ID` (default `localhost`) and
/// `PASSKEY_ORIGIN` (default `http://localhost`, any port).
fn relying_party(
    lookup: &impl Fn(&str) -> Option<String>,
    problems: &mut config::Problems,
) -> Option<RelyingParty> {
    let rp_id = config::non_empty(lookup("PASSKEY_RP_ID")).unwrap_or_else(|| "localhost".into());
    let origin =
        config::non_empty(lookup("PASSKEY_ORIGIN")).unwrap_or_else(|| "http://localhost".into());
    match url::Url::parse(&origin) {
        Ok(origin) => RelyingParty::new(&rp_id, &origin)
            .map_err(|message| config::report(problems, "PASSKEY_RP_ID", message))
            .ok(),
        Err(error) => {
            config::report(problems, "PASSKEY_ORIGIN", format!("is not a URL: {error}"));
            None
        }
    }
}

/// The origins of the apps a pre-built UI popup may hand its token to: the CORS origins (the
/// apps allowed to call the API) and the example app's.
fn app_origins(config: &Config, app_origin: &str) -> Vec<String> {
    let mut origins = config.api.cors_allowed_origins.clone();
    if !origins.iter().any(|origin| origin == app_origin) {
        origins.push(app_origin.to_owned());
    }
    origins
}

/// moto with the replay table (keyed as the product's DynamoDB adapter keys it) and the event
/// bus forwarded to a queue.
async fn start_moto(region: &str) -> Result<LocalAws, aws::LocalAwsError> {
    LocalAws::start(
        region,
        TableSpec {
            name: REPLAY_TABLE,
            key: KEY_ATTRIBUTE,
            ttl: EXPIRY_ATTRIBUTE,
        },
        BusSpec {
            name: EVENT_BUS,
            source: DEFAULT_EVENT_SOURCE,
            queue: EVENT_QUEUE,
        },
    )
    .await
}

/// The change notifier of `dev --aws-local`: the user's address from dev's pool, the notice
/// through moto's SES from the stack's template, and the notice as the user reads it in the log.
#[derive(Clone)]
struct LocalNotices {
    notifier: Notifier,
    mailer: Arc<SesMailer>,
}

async fn notices_on(
    aws: &LocalAws,
    cognito: &CognitoConfig,
    pool_endpoint: &str,
) -> Result<LocalNotices, aws::LocalAwsError> {
    let template = aws::change_notice_template().map_err(aws::LocalAwsError::Setup)?;
    aws::create_email_template(&aws.sdk, NOTICE_SENDER, &template)
        .await
        .map_err(aws::LocalAwsError::Setup)?;
    let mailer = Arc::new(SesMailer::new(
        aws_sdk_ses::Client::new(&aws.sdk),
        NOTICE_SENDER,
        &template.template_name,
    ));
    let directory = CognitoDirectory::new(
        pool_client(&cognito.region, pool_endpoint),
        &cognito.user_pool_id,
    );
    Ok(LocalNotices {
        notifier: Notifier::new(Arc::new(directory), mailer.clone()),
        mailer,
    })
}

impl LocalNotices {
    /// Hands a change event to the notifier (as EventBridge would), then logs the notice sent.
    async fn deliver(&self, event: serde_json::Value) {
        let Ok(event) = serde_json::from_value(event) else {
            return;
        };
        let Ok(Outcome::Sent { to, notice, .. }) = self.notifier.notify(&event).await else {
            return;
        };
        match self.mailer.render(&notice.data).await {
            Ok(rendered) => tracing::info!(
                target: "notices",
                to = %mask_email(&to),
                subject = %rendered.subject,
                text = ?rendered.text,
                "change notice delivered (moto SES)"
            ),
            Err(error) => tracing::warn!(target: "notices", %error, "change notice not rendered"),
        }
    }
}

/// Every integration on, against moto; revocation against the user pool at `pool_endpoint`
/// (dev's own).
fn integrations_on(aws: &LocalAws, user_pool_id: &str, pool_endpoint: &str) -> Integrations {
    let mut clients = AwsClients::new(&aws.sdk);
    clients.cognito = aws_sdk_cognitoidentityprovider::Client::from_conf(
        aws_sdk_cognitoidentityprovider::config::Builder::from(&aws.sdk)
            .endpoint_url(pool_endpoint)
            .build(),
    );
    let config = IntegrationsConfig {
        replay_table: Some(REPLAY_TABLE.into()),
        event_bus: Some(EVENT_BUS.into()),
        event_source: DEFAULT_EVENT_SOURCE.into(),
        revoke_sessions_on_removal: true,
        // Set by `run` for both modes: the help desk always searches the local pool.
        admin_user_search: false,
    };
    Integrations::with_clients(&config, user_pool_id, &clients)
}

/// An AWS SDK client for the local pool at `endpoint`, as the triggers reach Cognito (the pool
/// does not check signatures; the credentials only let the SDK sign).
pub fn pool_client(region: &str, endpoint: &str) -> aws_sdk_cognitoidentityprovider::Client {
    use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("local", "local", None, None, "local-pool"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_cognitoidentityprovider::Client::from_conf(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_of_every_setting_is_reported_together() {
        let lookup = |name: &str| {
            match name {
                "COGNITO_USER_POOL_ID" => Some("eu-west-1_LocalDev"),
                "COGNITO_CLIENT_IDS" => Some("localdevclient"),
                "AUTHSIGNAL_SECRET_KEY" => Some("local_sk_x"),
                "AUTHSIGNAL_API_URL" => Some("http://127.0.0.1:1/v1"),
                "SERVER_MAX_CONNECTIONS" => Some("0"),
                "PASSKEY_ORIGIN" => Some("not a url"),
                "PREVENT_USER_EXISTENCE_ERRORS" => Some("maybe"),
                "SIGN_IN_MODE" => Some("sideways"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let error = DevSettings::from_lookup(&lookup)
            .err()
            .expect("the settings are refused");
        let mut variables: Vec<_> = error.problems.iter().map(|p| p.variable).collect();
        variables.sort();
        assert_eq!(
            variables,
            [
                "PASSKEY_ORIGIN",
                "PREVENT_USER_EXISTENCE_ERRORS",
                "SERVER_MAX_CONNECTIONS",
                "SIGN_IN_MODE"
            ]
        );
    }
}
