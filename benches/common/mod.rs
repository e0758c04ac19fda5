//! What the benchmarks share: starting the release binary, or the build named by `BENCH_BIN`
//! (another commit's, or the same code built with other profile settings), pointing `serve` at
//! `dev`, a signed-in user, and reading a process's memory.

// Each benchmark uses its own part of this module.
#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The emulator secret `dev` runs with, and `serve` sends.
pub const SECRET: &str = "sk_bench_local";

/// A number from the environment, or `default`.
pub fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// The binary under measurement: `BENCH_BIN`, else the CLI crate's beside this benchmark's own
/// (`target/release/cognito-authsignal`, which `make bench` builds first).
pub fn binary() -> String {
    std::env::var("BENCH_BIN").unwrap_or_else(|_| {
        let exe = std::env::current_exe().expect("the benchmark knows its own path");
        let binary = exe
            .parent()
            .and_then(std::path::Path::parent)
            .expect("benchmarks run from target/<profile>/deps")
            .join("cognito-authsignal");
        assert!(
            binary.exists(),
            "{} is missing: `cargo build --release -p cognito-authsignal-cli` first, as `make bench` does",
            binary.display()
        );
        binary.display().to_string()
    })
}

/// Starts the binary and returns it with the URL from its first stdout line.
pub async fn start(args: &[&str], env: &[(&str, String)]) -> (Child, String) {
    let mut command = Command::new(binary());
    command.args(args);
    start_command(command, env).await
}

/// `start`, with `ulimit <ulimit>` (e.g. `-n 1024`) applied to the binary alone, as its shell
/// would.
pub async fn start_under_ulimit(
    ulimit: &str,
    args: &[&str],
    env: &[(&str, String)],
) -> (Child, String) {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit {ulimit} && exec \"$0\" \"$@\""))
        .arg(binary())
        .args(args);
    start_command(command, env).await
}

async fn start_command(mut command: Command, env: &[(&str, String)]) -> (Child, String) {
    command
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

/// `serve`'s configuration against `dev` at `dev_url`: dev's user pool and JWKS, and the
/// Authsignal emulator at `authsignal_url`.
pub fn serve_env(dev_url: &str, authsignal_url: String) -> Vec<(&'static str, String)> {
    vec![
        ("COGNITO_USER_POOL_ID", "eu-west-1_LocalDev".into()),
        ("COGNITO_CLIENT_IDS", "localdevclient".into()),
        (
            "COGNITO_JWKS_URL",
            format!("{dev_url}/local/cognito/eu-west-1_LocalDev/.well-known/jwks.json"),
        ),
        ("AUTHSIGNAL_API_URL", authsignal_url),
        ("AUTHSIGNAL_SECRET_KEY", SECRET.into()),
    ]
}

/// An access token from `dev` for `user`, valid for `expires_in` seconds, with one email OTP
/// authenticator enrolled so that every list carries a real entry.
pub async fn user_with_email_otp(
    http: &reqwest::Client,
    dev_url: &str,
    user: &str,
    expires_in: u64,
) -> String {
    let minted: Value = http
        .post(format!("{dev_url}/local/cognito/token"))
        .json(&json!({ "sub": user, "username": user, "expiresIn": expires_in }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    http.post(format!(
        "{dev_url}/local/authsignal/v1/users/{user}/authenticators"
    ))
    .basic_auth(SECRET, Some(""))
    .json(&json!({ "verificationMethod": "EMAIL_OTP", "email": format!("{user}@example.com") }))
    .send()
    .await
    .unwrap()
    .error_for_status()
    .unwrap();
    minted["accessToken"].as_str().unwrap().to_owned()
}

/// A `kB` field of `/proc/<pid>/status` (`VmRSS:`, `VmHWM:`), 0 when unreadable.
pub fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// `/proc/<pid>/stat` counts CPU time in clock ticks of USER_HZ, which Linux fixes at 100.
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds (user + system, all threads, living or exited) that `pid` has used so far.
pub fn cpu_seconds(pid: u32) -> f64 {
    let (user, kernel) = user_and_kernel_seconds(pid);
    user + kernel
}

/// The CPU seconds `pid` has used in user space (utime) and in the kernel on its behalf (stime).
pub fn user_and_kernel_seconds(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    // Fields after the parenthesised command name (which may itself contain spaces):
    // state is field 3, utime field 14, stime field 15.
    let after_name = &stat[stat.rfind(')').expect("a command name") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let seconds = |index: usize| {
        fields[index - 3].parse::<u64>().expect("a tick count") as f64 / TICKS_PER_SECOND
    };
    (seconds(14), seconds(15))
}

/// Sets the cores every thread of `pid` may run on (`taskset` list syntax, e.g. `0` or `0-1`).
pub fn pin(pid: u32, cores: &str) -> bool {
    std::process::Command::new("taskset")
        // All threads (-a) of the running process (-p), to the listed cores (-c).
        .args(["-a", "-c", "-p", cores, &pid.to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}
