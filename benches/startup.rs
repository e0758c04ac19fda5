//! Start-up benchmark of `serve` (`make bench`): the time from spawn to "listening on" and the
//! resident memory once started (after 300 ms, JWKS prefetch attempted), as medians of 20
//! starts, with the AWS integrations off and on. No request is sent and nothing leaves
//! 127.0.0.1: Cognito's JWKS and AWS point at closed loopback ports.
//!
//! `BENCH_BIN=/path/to/cognito-authsignal` measures another build (e.g. an older commit's)
//! with the same method.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

mod common;
use common::status_kib;

const STARTS: usize = 20;

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One start: (time to listening, RSS once started).
async fn start_once(binary: &str, env: &[(&str, String)]) -> (Duration, u64) {
    let mut command = Command::new(binary);
    command
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env_clear()
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap_or_default();
    let ready = started.elapsed();
    assert!(first.starts_with("listening on "), "{first}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss = status_kib(child.id().unwrap(), "VmRSS:");
    child.kill().await.unwrap();
    (ready, rss)
}

async fn measure(binary: &str, label: &str, env: &[(&str, String)]) {
    let mut times = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..STARTS {
        let (time, kib) = start_once(binary, env).await;
        times.push(time);
        rss.push(kib);
    }
    times.sort();
    rss.sort();
    println!(
        "{label:<28} start to listening: median {:>6.1} ms (min {:.1}, max {:.1}); RSS once started: median {} KiB",
        times[STARTS / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[STARTS - 1].as_secs_f64() * 1e3,
        rss[STARTS / 2],
    );
}

#[tokio::main]
async fn main() {
    let binary = common::binary();
    let nowhere = format!("http://127.0.0.1:{}", closed_port());
    let base = vec![
        ("COGNITO_USER_POOL_ID", "eu-west-1_Bench".to_owned()),
        ("COGNITO_CLIENT_IDS", "benchclient".to_owned()),
        (
            "COGNITO_JWKS_URL",
            format!("{nowhere}/.well-known/jwks.json"),
        ),
        ("AUTHSIGNAL_API_URL", format!("{nowhere}/v1")),
        ("AUTHSIGNAL_SECRET_KEY", "sk_bench".to_owned()),
    ];
    println!("binary: {binary}");
    measure(&binary, "integrations off", &base).await;
    let mut all_on = base.clone();
    all_on.extend([
        ("REPLAY_TABLE_NAME", "bench-replay".to_owned()),
        ("EVENT_BUS_NAME", "bench-bus".to_owned()),
        ("REVOKE_SESSIONS_ON_REMOVAL", "true".to_owned()),
        ("AWS_REGION", "eu-west-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "bench".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "bench".to_owned()),
        ("AWS_ENDPOINT_URL", nowhere.clone()),
    ]);
    measure(&binary, "all three integrations on", &all_on).await;
}
