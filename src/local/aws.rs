//! `dev --aws-local`: the AWS integrations of the API against a `moto_server` that `dev` starts
//! itself (PyPI `moto[server]`; `make deps` installs it into `.venv`), so the replay table, the
//! event bus and session revocation run locally. `dev` creates the table (TTL on), a bus with
//! a rule that forwards our events to an SQS queue, and prints each event it reads back from
//! the queue. Revocation calls `AdminUserGlobalSignOut` on `dev`'s own user pool, where the
//! users sign in.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::config::{DEFAULT_EVENT_SOURCE, IntegrationsConfig};
use crate::integrations::{AwsClients, Integrations};
use crate::replay::dynamodb::{EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE};

pub const REPLAY_TABLE: &str = "cognito-authsignal-replay";
pub const EVENT_BUS: &str = "cognito-authsignal-local";
const EVENT_QUEUE: &str = "cognito-authsignal-events";

#[derive(Debug, thiserror::Error)]
pub enum LocalAwsError {
    #[error(
        "moto_server not found (set MOTO_SERVER, or run `make deps` to install it into .venv): {0}"
    )]
    NotFound(std::io::Error),
    #[error("moto_server did not start on {0} within 20 s")]
    NotReady(String),
    #[error("setting up the local AWS resources failed: {0}")]
    Setup(String),
}

/// A running `moto_server` with the integrations' resources; stopped when dropped.
pub struct LocalAws {
    _process: Child,
    pub endpoint: String,
    sdk: SdkConfig,
    queue_url: String,
}

/// `MOTO_SERVER`, else `.venv/bin/moto_server` when present, else `moto_server` on the PATH.
fn moto_server_path() -> PathBuf {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(".venv/bin/moto_server");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("moto_server")
    }
}

impl LocalAws {
    pub async fn start(region: &str) -> Result<LocalAws, LocalAwsError> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|error| LocalAwsError::Setup(error.to_string()))?
            .port();
        let mut command = Command::new(moto_server_path());
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        // `kill_on_drop` covers a `dev` that exits; this covers one that is killed outright
        // (SIGKILL), which would otherwise leave moto running. `dev` starts moto from its main
        // thread, which lives as long as the process, so the signal comes when `dev` ends.
        #[cfg(target_os = "linux")]
        // SAFETY: the closure runs between fork and exec and makes only `prctl`, which is
        // async-signal-safe; it allocates nothing and takes no lock.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        let process = command.spawn().map_err(LocalAwsError::NotFound)?;
        let endpoint = format!("http://127.0.0.1:{port}");
        wait_until_listening(port, &endpoint).await?;
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .credentials_provider(Credentials::new("local", "local", None, None, "dev"))
            .endpoint_url(&endpoint)
            .load()
            .await;
        create_replay_table(&aws_sdk_dynamodb::Client::new(&sdk), REPLAY_TABLE)
            .await
            .map_err(LocalAwsError::Setup)?;
        let queue_url = forward_events_to_queue(&sdk, EVENT_BUS, EVENT_QUEUE)
            .await
            .map_err(LocalAwsError::Setup)?;
        Ok(LocalAws {
            _process: process,
            endpoint,
            sdk,
            queue_url,
        })
    }

    /// Every integration on, against moto; revocation against the user pool at
    /// `cognito_endpoint` (dev's own).
    pub fn integrations(&self, user_pool_id: &str, cognito_endpoint: &str) -> Integrations {
        let mut clients = AwsClients::new(&self.sdk);
        clients.cognito = aws_sdk_cognitoidentityprovider::Client::from_conf(
            aws_sdk_cognitoidentityprovider::config::Builder::from(&self.sdk)
                .endpoint_url(cognito_endpoint)
                .build(),
        );
        let config = IntegrationsConfig {
            replay_table: Some(REPLAY_TABLE.into()),
            event_bus: Some(EVENT_BUS.into()),
            event_source: DEFAULT_EVENT_SOURCE.into(),
            revoke_sessions_on_removal: true,
        };
        Integrations::with_clients(&config, user_pool_id, &clients)
    }

    /// Logs every change event that reaches the queue (target `events`), until the process ends.
    pub fn print_events(&self) {
        let sqs = aws_sdk_sqs::Client::new(&self.sdk);
        let queue_url = self.queue_url.clone();
        tokio::spawn(async move {
            loop {
                let received = sqs
                    .receive_message()
                    .queue_url(&queue_url)
                    .max_number_of_messages(10)
                    .wait_time_seconds(1)
                    .send()
                    .await;
                let Ok(received) = received else {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                };
                for message in received.messages() {
                    let event: Value = message
                        .body()
                        .and_then(|body| serde_json::from_str(body).ok())
                        .unwrap_or_default();
                    tracing::info!(
                        target: "events",
                        detail_type = event["detail-type"].as_str().unwrap_or(""),
                        detail = %event["detail"],
                        "change event delivered"
                    );
                    if let Some(handle) = message.receipt_handle() {
                        let _ = sqs
                            .delete_message()
                            .queue_url(&queue_url)
                            .receipt_handle(handle)
                            .send()
                            .await;
                    }
                }
            }
        });
    }
}

async fn wait_until_listening(port: u16, endpoint: &str) -> Result<(), LocalAwsError> {
    for _ in 0..400 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(LocalAwsError::NotReady(endpoint.to_owned()))
}

/// The replay table as the SAM template creates it: on demand, keyed by digest, TTL on expiry.
pub async fn create_replay_table(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<(), String> {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    dynamodb
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(KEY_ATTRIBUTE).map_err(describe)?)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(KEY_ATTRIBUTE)
                .key_type(KeyType::Hash)
                .build()
                .map_err(describe)?,
        )
        .send()
        .await
        .map_err(describe)?;
    dynamodb
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(EXPIRY_ATTRIBUTE)
                .enabled(true)
                .build()
                .map_err(describe)?,
        )
        .send()
        .await
        .map_err(describe)?;
    Ok(())
}

/// A bus with a rule that forwards our change events to a new SQS queue; returns the queue URL.
pub async fn forward_events_to_queue(
    sdk: &SdkConfig,
    bus: &str,
    queue: &str,
) -> Result<String, String> {
    let eventbridge = aws_sdk_eventbridge::Client::new(sdk);
    let sqs = aws_sdk_sqs::Client::new(sdk);
    eventbridge
        .create_event_bus()
        .name(bus)
        .send()
        .await
        .map_err(describe)?;
    let queue_url = sqs
        .create_queue()
        .queue_name(queue)
        .send()
        .await
        .map_err(describe)?
        .queue_url
        .unwrap_or_default();
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(describe)?
        .attributes
        .and_then(|mut attributes| attributes.remove(&QueueAttributeName::QueueArn))
        .unwrap_or_default();
    eventbridge
        .put_rule()
        .name("to-queue")
        .event_bus_name(bus)
        .event_pattern(json!({ "source": [DEFAULT_EVENT_SOURCE] }).to_string())
        .send()
        .await
        .map_err(describe)?;
    eventbridge
        .put_targets()
        .rule("to-queue")
        .event_bus_name(bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn(queue_arn)
                .build()
                .map_err(describe)?,
        )
        .send()
        .await
        .map_err(describe)?;
    Ok(queue_url)
}

/// An SDK error with its whole chain of causes.
fn describe(error: impl std::error::Error) -> String {
    aws_sdk_dynamodb::error::DisplayErrorContext(error).to_string()
}
