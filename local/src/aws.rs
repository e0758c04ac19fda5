//! A `moto_server` (PyPI `moto[server]`; `make deps` installs it into `.venv`) started and
//! stopped with the process, for `dev --aws-local` and the tests: a DynamoDB table with a TTL, a
//! bus with a rule that forwards events of one source to an SQS queue, the queue's events logged
//! (and handed to the caller) as they arrive, and an SES sender with an email template. What the
//! tables, events and emails mean is the caller's business.

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

/// A DynamoDB table to create: its name, string partition key and TTL attribute.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec<'a> {
    pub name: &'a str,
    pub key: &'a str,
    pub ttl: &'a str,
}

/// An event bus to create, whose events from `source` go to a new queue.
#[derive(Debug, Clone, Copy)]
pub struct BusSpec<'a> {
    pub name: &'a str,
    pub source: &'a str,
    pub queue: &'a str,
}

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

/// A running `moto_server` with the resources asked for; stopped when dropped.
pub struct LocalAws {
    _process: Child,
    pub endpoint: String,
    /// An SDK configuration for clients of this moto (test credentials, the region).
    pub sdk: SdkConfig,
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
    pub async fn start(
        region: &str,
        table: TableSpec<'_>,
        bus: BusSpec<'_>,
    ) -> Result<LocalAws, LocalAwsError> {
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
        create_table(&aws_sdk_dynamodb::Client::new(&sdk), table)
            .await
            .map_err(LocalAwsError::Setup)?;
        let queue_url = forward_events_to_queue(&sdk, bus)
            .await
            .map_err(LocalAwsError::Setup)?;
        Ok(LocalAws {
            _process: process,
            endpoint,
            sdk,
            queue_url,
        })
    }

    /// Logs every change event that reaches the queue (target `events`) and hands it to
    /// `handle`, until the process ends.
    pub fn print_events<F, Fut>(&self, handle: F)
    where
        F: Fn(Value) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
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
                    handle(event).await;
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

/// `table`, on demand, with its TTL on.
pub async fn create_table(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: TableSpec<'_>,
) -> Result<(), String> {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    dynamodb
        .create_table()
        .table_name(table.name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(table.key).map_err(describe)?)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(table.key)
                .key_type(KeyType::Hash)
                .build()
                .map_err(describe)?,
        )
        .send()
        .await
        .map_err(describe)?;
    dynamodb
        .update_time_to_live()
        .table_name(table.name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(table.ttl)
                .enabled(true)
                .build()
                .map_err(describe)?,
        )
        .send()
        .await
        .map_err(describe)?;
    Ok(())
}

/// `bus`, with a rule that forwards its source's events to a new SQS queue; the queue's URL.
pub async fn forward_events_to_queue(sdk: &SdkConfig, bus: BusSpec<'_>) -> Result<String, String> {
    let BusSpec {
        name: bus,
        source,
        queue,
    } = bus;
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
        .event_pattern(json!({ "source": [source] }).to_string())
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

/// An SES email template, as SES's `CreateTemplate` takes it (the JSON of `infra/`'s template).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EmailTemplate {
    pub template_name: String,
    pub subject_part: String,
    pub text_part: String,
    pub html_part: String,
}

/// The sender of change notices on a local SES (a throw-away address moto verifies).
pub const NOTICE_SENDER: &str = "security@example.com";

/// The change-notice template the stack deploys (`infra/change-notice-template.json`, which
/// `make infra` checks against the template in `infra/template.yaml`).
pub fn change_notice_template() -> Result<EmailTemplate, String> {
    serde_json::from_str(include_str!("../../infra/change-notice-template.json"))
        .map_err(|error| format!("infra/change-notice-template.json: {error}"))
}

/// Makes `sender` a verified SES identity and creates `template`.
pub async fn create_email_template(
    sdk: &SdkConfig,
    sender: &str,
    template: &EmailTemplate,
) -> Result<(), String> {
    let ses = aws_sdk_ses::Client::new(sdk);
    ses.verify_email_identity()
        .email_address(sender)
        .send()
        .await
        .map_err(describe)?;
    ses.create_template()
        .template(
            aws_sdk_ses::types::Template::builder()
                .template_name(&template.template_name)
                .subject_part(&template.subject_part)
                .text_part(&template.text_part)
                .html_part(&template.html_part)
                .build()
                .map_err(describe)?,
        )
        .send()
        .await
        .map_err(describe)?;
    Ok(())
}

/// An SDK error with its whole chain of causes.
fn describe(error: impl std::error::Error) -> String {
    aws_sdk_dynamodb::error::DisplayErrorContext(error).to_string()
}
