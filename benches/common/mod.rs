//! What the benchmarks share: starting the release binary, or the build named by `BENCH_BIN`
//! (another commit's, or the same code built with other profile settings).

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The binary under measurement.
pub fn binary() -> String {
    std::env::var("BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_cognito-authsignal").to_owned())
}

/// Starts the binary and returns it with the URL from its first stdout line.
pub async fn start(args: &[&str], env: &[(&str, String)]) -> (Child, String) {
    let mut command = Command::new(binary());
    command
        .args(args)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap_or_default();
    let url = first
        .strip_prefix("listening on ")
        .expect("a listening line")
        .to_owned();
    // Keep draining stdout so the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}
