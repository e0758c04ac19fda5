//! A `moto_server` (PyPI `moto[server]`, installed into `.venv` by `make test`) on a free port,
//! stopped when dropped, and an AWS SDK configuration pointed at it.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::config::{Credentials, Region};
use tokio::process::{Child, Command};

pub const REGION: &str = "eu-west-1";

pub struct Moto {
    _process: Child,
    pub endpoint: String,
}

/// `MOTO_SERVER`, or the project venv that `make test` creates.
fn moto_server_path() -> PathBuf {
    std::env::var_os("MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::repo_root().join(".venv/bin/moto_server"))
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Moto {
    pub async fn start() -> Moto {
        let path = moto_server_path();
        assert!(
            path.exists(),
            "moto_server not found at {} — run `make test` (it installs moto into .venv) or set MOTO_SERVER",
            path.display()
        );
        let port = free_port();
        let process = Command::new(&path)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("moto_server starts");
        let moto = Moto {
            _process: process,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        for _ in 0..400 {
            let ready = http
                .get(format!("{}/moto-api/", moto.endpoint))
                .send()
                .await
                .is_ok();
            if ready {
                return moto;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("moto_server did not start within 20 s");
    }

    /// The SDK configuration of a client of this moto (any credentials do).
    pub async fn sdk_config(&self) -> SdkConfig {
        sdk_config_at(&self.endpoint).await
    }
}

/// An SDK configuration for `endpoint`, with test credentials and the test region.
pub async fn sdk_config_at(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .endpoint_url(endpoint)
        .load()
        .await
}

pub use cognito_authsignal_local::aws::NOTICE_SENDER;

impl Moto {
    /// The stack's change-notice template (`infra/change-notice-template.json`) on this moto's
    /// SES, with [`NOTICE_SENDER`] verified; the template's name.
    pub async fn notice_template(&self) -> String {
        use cognito_authsignal_local::aws::{change_notice_template, create_email_template};
        let template = change_notice_template().unwrap();
        create_email_template(&self.sdk_config().await, NOTICE_SENDER, &template)
            .await
            .unwrap();
        template.template_name
    }

    /// Every templated email SES accepted so far, as moto records them (`source`, `template`,
    /// `template_data`, `destinations`).
    pub async fn templated_emails(&self) -> Vec<serde_json::Value> {
        let data: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", self.endpoint))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        data["ses"]["TemplateMessage"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// A user pool with one user per `(username, email, email verified)`; the pool id and the
    /// users' subs, in order.
    pub async fn user_pool_with(&self, users: &[(&str, &str, bool)]) -> (String, Vec<String>) {
        use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
        let cognito = aws_sdk_cognitoidentityprovider::Client::new(&self.sdk_config().await);
        let pool = cognito
            .create_user_pool()
            .pool_name("notices")
            .send()
            .await
            .unwrap()
            .user_pool
            .and_then(|pool| pool.id)
            .unwrap();
        let attribute = |name: &str, value: &str| {
            AttributeType::builder()
                .name(name)
                .value(value)
                .build()
                .unwrap()
        };
        let mut subs = Vec::new();
        for (username, email, verified) in users {
            let created = cognito
                .admin_create_user()
                .user_pool_id(&pool)
                .username(*username)
                .user_attributes(attribute("email", email))
                .user_attributes(attribute("email_verified", &verified.to_string()))
                .message_action(MessageActionType::Suppress)
                .send()
                .await
                .unwrap();
            let sub = created
                .user()
                .and_then(|user| user.attributes().iter().find(|a| a.name() == "sub"))
                .and_then(|a| a.value())
                .unwrap()
                .to_owned();
            subs.push(sub);
        }
        (pool, subs)
    }
}
