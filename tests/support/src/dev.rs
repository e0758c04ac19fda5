//! Runs the real `cognito-authsignal dev` binary for black-box tests.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The `cognito-authsignal` binary beside this test's own (`target/<profile>/`): the CLI crate's,
/// which `cargo test --workspace` builds with the tests, because the CLI has integration tests of
/// its own (`cli/tests/`).
pub fn cli_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from target/<profile>/deps");
    let binary = profile_dir.join("cognito-authsignal");
    assert!(
        binary.exists(),
        "{} is missing: `cargo test --workspace` builds it (through the CLI's own tests); alone, `cargo build -p cognito-authsignal-cli`",
        binary.display()
    );
    binary
}

/// A `dev` process (killed on drop), its base URL, the printed token, the whole banner and
/// what it logs.
pub struct DevServer {
    _child: Child,
    pub base_url: String,
    pub token: String,
    pub banner: String,
    logs: Arc<Mutex<Vec<String>>>,
}

impl DevServer {
    /// Starts `dev --port 0` with `env` set on top of a clean Cognito/Authsignal environment.
    pub async fn start(env: &[(&str, &str)]) -> DevServer {
        Self::start_with(&[], env).await
    }

    /// The same with extra `dev` arguments.
    pub async fn start_with(args: &[&str], env: &[(&str, &str)]) -> DevServer {
        let mut command = Command::new(cli_binary());
        command
            .args(["dev", "--port", "0"])
            .args(args)
            .env_remove("COGNITO_USER_POOL_ID")
            .env_remove("COGNITO_CLIENT_IDS")
            .env_remove("AUTHSIGNAL_SECRET_KEY")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the dev binary starts");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let mut log_lines = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
        let collected = logs.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = log_lines.next_line().await {
                collected.lock().unwrap().push(line);
            }
        });
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let mut printed: Vec<String> = Vec::new();
        // The banner ends with the ready-to-paste curl for /v1/me.
        while !printed.last().is_some_and(|line| line.ends_with("/v1/me")) {
            let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
                .await
                .expect("dev prints its banner in time")
                .expect("stdout is readable")
                .expect("dev keeps running");
            printed.push(line);
        }
        let find = |prefix: &str| {
            printed
                .iter()
                .find_map(|line| line.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("no `{prefix}` line in the banner"))
                .to_owned()
        };
        DevServer {
            base_url: find("listening on "),
            token: find("TOKEN="),
            banner: printed.join("\n"),
            _child: child,
            logs,
        }
    }

    /// Waits up to `timeout` for a log line containing every one of `parts`.
    pub async fn wait_for_log(&self, parts: &[&str], timeout: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            let found = self
                .logs
                .lock()
                .unwrap()
                .iter()
                .find(|line| parts.iter().all(|part| line.contains(part)))
                .cloned();
            if found.is_some() {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    }

    /// Everything `dev` has logged so far (stderr).
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }
}
