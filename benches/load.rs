//! Load benchmark for `GET /v1/me/authenticators` (`make bench`).
//!
//! Runs the release `serve` binary with the local stack as its upstreams (a `dev` process
//! provides the Cognito JWKS and the Authsignal emulator), routes `serve`'s Authsignal traffic
//! through a counting TCP relay, then sends a fixed number of requests at a fixed concurrency.
//! Prints throughput, p50/p99 latency, `serve`'s peak RSS and how many upstream connections it
//! opened. Everything stays on 127.0.0.1; the run is bounded by the request count.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

mod common;
use common::start;

const REQUESTS: usize = 10_000;
const CONCURRENCY: usize = 32;
const SECRET: &str = "sk_load_bench";

/// A TCP relay to `target` that counts the connections made through it.
async fn counting_relay(target: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (address, connections)
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    // Upstreams: the local stack.
    let (_dev, dev_url) = start(
        &["dev", "--port", "0"],
        &[("AUTHSIGNAL_SECRET_KEY", SECRET.into())],
    )
    .await;
    let dev_address = dev_url.trim_start_matches("http://").to_owned();
    let (relay, upstream_connections) = counting_relay(dev_address).await;

    let (serve, serve_url) = start(
        &["serve", "--addr", "127.0.0.1:0"],
        &[
            ("COGNITO_USER_POOL_ID", "eu-west-1_LocalDev".into()),
            ("COGNITO_CLIENT_IDS", "localdevclient".into()),
            (
                "COGNITO_JWKS_URL",
                format!("{dev_url}/local/cognito/eu-west-1_LocalDev/.well-known/jwks.json"),
            ),
            (
                "AUTHSIGNAL_API_URL",
                format!("http://{relay}/local/authsignal/v1"),
            ),
            ("AUTHSIGNAL_SECRET_KEY", SECRET.into()),
        ],
    )
    .await;
    let serve_pid = serve.id().expect("serve is running");

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    let minted: Value = http
        .post(format!("{dev_url}/local/cognito/token"))
        .json(&json!({ "sub": "load-user", "username": "load-user" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = minted["accessToken"].as_str().unwrap().to_owned();
    // One enrolled authenticator, so each response carries a real list.
    http.post(format!(
        "{dev_url}/local/authsignal/v1/users/load-user/authenticators"
    ))
    .basic_auth(SECRET, Some(""))
    .json(&json!({ "verificationMethod": "EMAIL_OTP", "email": "load@example.com" }))
    .send()
    .await
    .unwrap()
    .error_for_status()
    .unwrap();

    let url = format!("{serve_url}/v1/me/authenticators");
    let warm = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(warm.status(), 200, "warm-up request");

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (http, url, token, next) = (http.clone(), url.clone(), token.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while next.fetch_add(1, Ordering::SeqCst) < REQUESTS {
                    let sent = Instant::now();
                    let response = http.get(&url).bearer_auth(&token).send().await.unwrap();
                    assert_eq!(response.status(), 200);
                    response.bytes().await.unwrap();
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(REQUESTS);
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();

    println!(
        "GET /v1/me/authenticators: {REQUESTS} requests, concurrency {CONCURRENCY}, serve (release) -> counting relay -> Authsignal emulator"
    );
    println!(
        "  throughput            {:.0} req/s",
        REQUESTS as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  latency p50           {:.2} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3
    );
    println!(
        "  latency p99           {:.2} ms",
        percentile(&latencies, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "  serve peak RSS        {} KiB",
        peak_rss_kib(serve_pid).map_or("?".into(), |k| k.to_string())
    );
    println!(
        "  upstream connections  {} (for {} requests incl. warm-up)",
        upstream_connections.load(Ordering::SeqCst),
        REQUESTS + 1
    );
}
