//! Load benchmark for `GET /v1/me/authenticators` (`make bench`).
//!
//! Runs the release `serve` binary with the local stack as its upstreams (a `dev` process
//! provides the Cognito JWKS and the Authsignal emulator), routes `serve`'s Authsignal traffic
//! through a counting TCP relay, then sends a fixed number of requests at a fixed concurrency,
//! all with one access token: once as configured by default (the token is verified once, then
//! answered from the verified-token cache) and once with the cache off
//! (`VERIFIED_TOKEN_CACHE_SIZE=0`: every request pays the full RS256 verification, as when
//! every request brings a new token).
//! Prints throughput, p50/p99 latency, the CPU each request cost `serve` and the upstream
//! (`dev`), `serve`'s peak RSS and how many upstream connections it opened. Everything stays on
//! 127.0.0.1; the run is bounded by the request count (`LOAD_REQUESTS`, default 30,000).
//!
//! CPU is read from `/proc/<pid>/stat` (utime + stime, all threads) before and after the run.
//! On a machine with two or more cores `serve` is pinned to core 0 and `dev` plus this load
//! generator to core 1 (`taskset`), so `serve` never competes with its load for a core.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokio::net::{TcpListener, TcpStream};

mod common;
use common::{
    SECRET, cpu_seconds, percentile, pin, serve_env, setting, start, status_kib,
    user_with_email_otp,
};

const DEFAULT_REQUESTS: usize = 30_000;
const CONCURRENCY: usize = 32;

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

#[tokio::main]
async fn main() {
    let requests = setting("LOAD_REQUESTS", DEFAULT_REQUESTS as u64) as usize;
    // Upstreams: the local stack.
    let (dev, dev_url) = start(
        &["dev", "--port", "0"],
        &[("AUTHSIGNAL_SECRET_KEY", SECRET.into())],
    )
    .await;
    let token = user_with_email_otp(&reqwest::Client::new(), &dev_url, "load-user", 3600).await;

    // Counted before this process pins itself: afterwards it would see one core.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let upstream = Upstream {
        dev_pid: dev.id().expect("dev is running"),
        dev_url,
        token,
        requests,
        all_cores: (cores >= 2).then(|| format!("0-{}", cores - 1)),
    };
    upstream.run("verified-token cache on (default)", &[]).await;
    upstream
        .run(
            "verified-token cache off",
            &[("VERIFIED_TOKEN_CACHE_SIZE", "0".into())],
        )
        .await;
}

struct Upstream {
    dev_pid: u32,
    dev_url: String,
    token: String,
    requests: usize,
    /// `0-N` when there is a core to spare for the load; `None`: nothing is pinned.
    all_cores: Option<String>,
}

impl Upstream {
    /// Starts `serve` with `extra_env`, loads it and prints what it cost.
    async fn run(&self, label: &str, extra_env: &[(&str, String)]) {
        let (requests, dev_pid, dev_url) = (self.requests, self.dev_pid, &self.dev_url);
        let dev_address = dev_url.trim_start_matches("http://").to_owned();
        let (relay, upstream_connections) = counting_relay(dev_address).await;
        let mut env = serve_env(dev_url, format!("http://{relay}/local/authsignal/v1"));
        env.extend(extra_env.iter().cloned());
        // `serve` starts seeing every core, as it would on its own machine (tokio sizes its
        // worker pool from them), and is pinned once it runs.
        if let Some(all_cores) = &self.all_cores {
            pin(std::process::id(), all_cores);
        }
        let (serve, serve_url) = start(&["serve", "--addr", "127.0.0.1:0"], &env).await;
        let serve_pid = serve.id().expect("serve is running");
        let pinned = self.all_cores.is_some()
            && pin(serve_pid, "0")
            && pin(dev_pid, "1")
            && pin(std::process::id(), "1");

        // A client of its own per run: connections to an earlier run's server stay out of it.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(CONCURRENCY)
            .build()
            .unwrap();
        let url = format!("{serve_url}/v1/me/authenticators");
        let warm = http.get(&url).bearer_auth(&self.token).send().await;
        assert_eq!(warm.unwrap().status(), 200, "warm-up request");

        let next = Arc::new(AtomicUsize::new(0));
        let (serve_cpu_before, dev_cpu_before) = (cpu_seconds(serve_pid), cpu_seconds(dev_pid));
        let load_cpu_before = cpu_seconds(std::process::id());
        let started = Instant::now();
        let workers: Vec<_> = (0..CONCURRENCY)
            .map(|_| {
                let (http, url) = (http.clone(), url.clone());
                let (token, next) = (self.token.clone(), next.clone());
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    while next.fetch_add(1, Ordering::SeqCst) < requests {
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
        let mut latencies = Vec::with_capacity(requests);
        for worker in workers {
            latencies.extend(worker.await.unwrap());
        }
        let elapsed = started.elapsed();
        let serve_cpu = cpu_seconds(serve_pid) - serve_cpu_before;
        let dev_cpu = cpu_seconds(dev_pid) - dev_cpu_before;
        let load_cpu = cpu_seconds(std::process::id()) - load_cpu_before;
        latencies.sort();
        let per_request = |cpu: f64| {
            format!(
                "{:.1} µs per request, {:.0} requests per CPU-second, {:.0} % of a core",
                cpu / requests as f64 * 1e6,
                requests as f64 / cpu,
                cpu / elapsed.as_secs_f64() * 1e2
            )
        };

        println!(
            "GET /v1/me/authenticators, {label}: {requests} requests, concurrency {CONCURRENCY}, serve (release) -> counting relay -> Authsignal emulator"
        );
        println!(
            "  cores                 {}",
            if pinned {
                "serve on core 0; dev and the load generator on core 1"
            } else {
                "not pinned"
            }
        );
        println!(
            "  throughput            {:.0} req/s",
            requests as f64 / elapsed.as_secs_f64()
        );
        println!(
            "  latency p50           {:.2} ms",
            percentile(&latencies, 0.50).as_secs_f64() * 1e3
        );
        println!(
            "  latency p99           {:.2} ms",
            percentile(&latencies, 0.99).as_secs_f64() * 1e3
        );
        println!("  serve CPU             {}", per_request(serve_cpu));
        println!("  upstream (dev) CPU    {}", per_request(dev_cpu));
        println!("  load generator CPU    {}", per_request(load_cpu));
        println!(
            "  serve peak RSS        {} KiB",
            status_kib(serve_pid, "VmHWM:")
        );
        println!(
            "  upstream connections  {} (for {} requests incl. warm-up)",
            upstream_connections.load(Ordering::SeqCst),
            requests + 1
        );
    }
}
