//! Soak and shutdown benchmark of `serve` (`make bench`): the release binary on
//! `GET /v1/me/authenticators` against the local stack (`dev` as Cognito JWKS and Authsignal).
//!
//! 1. Soak: `SOAK_SECONDS` (60) at `SOAK_CONNECTIONS` (200) concurrent keep-alive clients.
//!    Reports errors (anything but 200), p50/p99, RSS at start / peak / end (sampled every
//!    second; "flat" means no growth after the first ten seconds), and open file descriptors
//!    before the load and after it (back to the baseline once clients disconnect).
//! 2. Graceful shutdown: the same load, SIGTERM after 3 s. Reports requests sent before the
//!    signal that got no answer (must be 0), the time from signal to exit and the exit code.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::process::Child;

mod common;
use common::{SECRET, percentile, serve_env, setting, start, status_kib, user_with_email_otp};

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |dir| dir.count())
}

/// What one run of the load saw.
#[derive(Default)]
struct Outcome {
    latencies: Vec<Duration>,
    errors: usize,
    /// Requests sent before `cutoff` that got no answer.
    unanswered_before_cutoff: usize,
}

/// `connections` clients, each on its own keep-alive connection, until `stop` is set.
async fn load(
    url: &str,
    token: &str,
    connections: usize,
    stop: Arc<AtomicBool>,
    cutoff: Arc<std::sync::OnceLock<Instant>>,
) -> Outcome {
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (url, token, stop, cutoff) = (
                url.to_owned(),
                token.to_owned(),
                stop.clone(),
                cutoff.clone(),
            );
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap();
                let mut outcome = Outcome::default();
                while !stop.load(Ordering::Relaxed) {
                    let sent = Instant::now();
                    let answered = http.get(&url).bearer_auth(&token).send().await;
                    let ok = match answered {
                        Ok(response) => {
                            let status = response.status();
                            response.bytes().await.is_ok() && status == 200
                        }
                        Err(_) => false,
                    };
                    if ok {
                        outcome.latencies.push(sent.elapsed());
                    } else if cutoff.get().is_some_and(|at| sent < *at) {
                        outcome.unanswered_before_cutoff += 1;
                    } else if cutoff.get().is_none() {
                        outcome.errors += 1;
                    } else {
                        // After SIGTERM new requests are refused: expected, and the end.
                        break;
                    }
                }
                outcome
            })
        })
        .collect();
    let mut total = Outcome::default();
    for worker in workers {
        let outcome = worker.await.unwrap();
        total.latencies.extend(outcome.latencies);
        total.errors += outcome.errors;
        total.unanswered_before_cutoff += outcome.unanswered_before_cutoff;
    }
    total.latencies.sort();
    total
}

async fn serve(dev_url: &str) -> (Child, String) {
    let mut env = serve_env(dev_url, format!("{dev_url}/local/authsignal/v1"));
    env.push(("SERVER_MAX_CONNECTIONS", "4096".into()));
    start(&["serve", "--addr", "127.0.0.1:0"], &env).await
}

#[tokio::main]
async fn main() {
    let seconds = setting("SOAK_SECONDS", 60);
    let connections = setting("SOAK_CONNECTIONS", 200) as usize;
    let (mut dev, dev_url) = start(
        &["dev", "--port", "0"],
        &[
            ("AUTHSIGNAL_SECRET_KEY", SECRET.into()),
            ("SERVER_MAX_CONNECTIONS", "4096".into()),
        ],
    )
    .await;
    let http = reqwest::Client::new();
    let token = user_with_email_otp(&http, &dev_url, "soak-user", 7200).await;

    // 1. Soak.
    let (mut server, serve_url) = serve(&dev_url).await;
    let pid = server.id().unwrap();
    let url = format!("{serve_url}/v1/me/authenticators");
    assert_eq!(
        http.get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss_start, fds_start) = (status_kib(pid, "VmRSS:"), open_fds(pid));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler_stop = stop.clone();
    let samples = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sampled = samples.clone();
    let sampler = tokio::spawn(async move {
        while !sampler_stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_secs(1)).await;
            sampled.lock().unwrap().push(status_kib(pid, "VmRSS:"));
        }
    });
    let running = tokio::spawn({
        let (url, token, stop) = (url.clone(), token.clone(), stop.clone());
        async move { load(&url, &token, connections, stop, Arc::default()).await }
    });
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let outcome = running.await.unwrap();
    let elapsed = started.elapsed();
    sampler.await.unwrap();
    // Clients are gone; the server's descriptors should return to the baseline.
    let settle = Instant::now();
    while open_fds(pid) > fds_start && settle.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let settled_in = settle.elapsed();
    let (rss_end, fds_end) = (status_kib(pid, "VmRSS:"), open_fds(pid));
    let samples = samples.lock().unwrap().clone();
    let peak = samples.iter().copied().max().unwrap_or(0);
    let after_warm_up = samples.iter().skip(10).copied();
    let (low, high) = after_warm_up.fold((u64::MAX, 0), |(lo, hi), s| (lo.min(s), hi.max(s)));
    println!(
        "soak: {seconds} s, {connections} connections, GET /v1/me/authenticators, serve (release) -> dev"
    );
    println!(
        "  requests              {} ({:.0} req/s), errors {}",
        outcome.latencies.len() + outcome.errors,
        outcome.latencies.len() as f64 / elapsed.as_secs_f64(),
        outcome.errors
    );
    println!(
        "  latency p50 / p99     {:.2} ms / {:.2} ms",
        percentile(&outcome.latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&outcome.latencies, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "  RSS start/peak/end    {rss_start} / {peak} / {rss_end} KiB; after warm-up between {low} and {high} KiB"
    );
    println!(
        "  open fds              {fds_start} before, {fds_end} after ({:.1} s after the clients left)",
        settled_in.as_secs_f64()
    );
    server.kill().await.unwrap();

    // 2. Graceful shutdown under load.
    let (mut server, serve_url) = serve(&dev_url).await;
    let pid = server.id().unwrap();
    let url = format!("{serve_url}/v1/me/authenticators");
    let stop = Arc::new(AtomicBool::new(false));
    let cutoff = Arc::new(std::sync::OnceLock::new());
    let running = tokio::spawn({
        let (url, token, stop, cutoff) = (url.clone(), token.clone(), stop.clone(), cutoff.clone());
        async move { load(&url, &token, connections, stop, cutoff).await }
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    let signalled = Instant::now();
    let _ = cutoff.set(signalled);
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let exit = server.wait().await.unwrap();
    let drain = signalled.elapsed();
    stop.store(true, Ordering::Relaxed);
    let outcome = running.await.unwrap();
    let answered = outcome.latencies.len();
    println!(
        "shutdown: SIGTERM after 3 s of load ({connections} connections, {answered} answered)"
    );
    println!(
        "  in-flight dropped     {} (requests sent before the signal without an answer)",
        outcome.unanswered_before_cutoff
    );
    println!(
        "  signal to exit        {:.0} ms, exit code {:?}",
        drain.as_secs_f64() * 1e3,
        exit.code()
    );
    dev.kill().await.unwrap();
    // A benchmark, not a test: but an unclean shutdown is reported as a failure of the run.
    if !exit.success() || outcome.unanswered_before_cutoff > 0 {
        eprintln!("shutdown was not clean");
        std::process::exit(1);
    }
}
