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
