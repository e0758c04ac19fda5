//! One client's idle flood against `serve` (`cargo bench --bench flood`, part of `make bench`):
//! the release binary with the default `SERVER_MAX_CONNECTIONS` (1,024), and one client holding
//! `FLOOD_CONNECTIONS` (1,500) idle connections: a third send nothing, a third half a request
//! head, a third one request and then nothing (keep-alive). Each is reopened as soon as the
//! server closes it. Meanwhile another client sends `FLOOD_PROBES` (200) sequential
//! `GET /health`, each on a new connection (what a new client's first request costs), 50 ms
//! apart, and its latency is reported: median, p99, max, and how many took over 1 s or got no
//! answer within 10 s.
//!
//! Two runs, `serve` under a different open-files limit each (set for it alone, as its shell's
//! `ulimit` would): `-n 1024` (soft and hard 1,024: the cap is lowered to fit) and `-Sn 1024`
//! (soft 1,024 under this shell's higher hard limit, which `serve` raises itself). Before the
//! flood, the same probes without it give the baseline.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::{percentile, setting, start_under_ulimit};

/// How each flooding connection holds its slot, by its number modulo 3.
const IDLE_SENDS: [&[u8]; 3] = [
    b"",
    b"GET /health HTTP/1.1\r\nHost: flood\r\n",
    b"GET /health HTTP/1.1\r\nHost: flood\r\n\r\n",
];

const GET_HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n";

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |dir| dir.count())
}

/// utime + stime of `pid`, in clock ticks (100 per second on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |n: usize| {
        fields
            .get(n)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// One `GET /health` on a new connection: its latency, or `None` without an answer in 10 s.
async fn probe(address: &str) -> Option<Duration> {
    let started = Instant::now();
    let answered = tokio::time::timeout(Duration::from_secs(10), async {
        let mut stream = TcpStream::connect(address).await.ok()?;
        stream.write_all(GET_HEALTH).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        response.starts_with(b"HTTP/1.1 200").then_some(())
    })
    .await;
    matches!(answered, Ok(Some(()))).then(|| started.elapsed())
}

/// Latencies of `count` sequential probes, and how many got no answer.
async fn probes(address: &str, count: usize) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::new();
    let mut unanswered = 0;
    for _ in 0..count {
        match probe(address).await {
            Some(latency) => latencies.push(latency),
            None => unanswered += 1,
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    latencies.sort();
    (latencies, unanswered)
}

fn report(label: &str, latencies: &[Duration], unanswered: usize) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let over_1s = latencies
        .iter()
        .filter(|l| **l > Duration::from_secs(1))
        .count();
    if latencies.is_empty() {
        println!("  {label:<22} no answers ({unanswered} unanswered)");
        return;
    }
    println!(
        "  {label:<22} median {:.2} ms, p99 {:.2} ms, max {:.2} ms; over 1 s: {over_1s}, unanswered: {unanswered}",
        ms(percentile(latencies, 0.50)),
        ms(percentile(latencies, 0.99)),
        ms(*latencies.last().unwrap()),
    );
}

/// `count` idle connections from one client, each reopened when the server closes it.
fn flood(
    address: &str,
    count: usize,
    reopened: Arc<AtomicUsize>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..count)
        .map(|n| {
            let (address, reopened) = (address.to_owned(), reopened.clone());
            tokio::spawn(async move {
                let mut buffer = [0u8; 1024];
                loop {
                    if let Ok(mut stream) = TcpStream::connect(&address).await {
                        let _ = stream.write_all(IDLE_SENDS[n % 3]).await;
                        // Read (the one answer, if any) until the server closes.
                        while matches!(stream.read(&mut buffer).await, Ok(read) if read > 0) {}
                    } else {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    reopened.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let connections = setting("FLOOD_CONNECTIONS", 1_500) as usize;
    let count = setting("FLOOD_PROBES", 200) as usize;
    // The flood needs more descriptors than a default soft limit of 1,024.
    let _ = cognito_authsignal::server::open_files::raise_to_hard_limit();
    let closed = "http://127.0.0.1:9";
    let env = vec![
        ("COGNITO_USER_POOL_ID", "eu-west-1_Flood".to_owned()),
        ("COGNITO_CLIENT_IDS", "floodclient".to_owned()),
        ("COGNITO_JWKS_URL", format!("{closed}/jwks.json")),
        ("AUTHSIGNAL_API_URL", format!("{closed}/v1")),
        ("AUTHSIGNAL_SECRET_KEY", "sk_flood".to_owned()),
        // Shows the warning when the cap is lowered (and the failed JWKS prefetch, harmless:
        // the probes need no token).
        ("RUST_LOG", "warn".to_owned()),
    ];
    println!(
        "flood: {connections} idle connections from one client (reopened when closed) against \
         serve (release, SERVER_MAX_CONNECTIONS default); another client: {count} sequential \
         GET /health, each on a new connection"
    );
    for ulimit in ["-n 1024", "-Sn 1024"] {
        let (mut server, url) =
            start_under_ulimit(ulimit, &["serve", "--addr", "127.0.0.1:0"], &env).await;
        let pid = server.id().unwrap();
        let address = url.trim_start_matches("http://").to_owned();
        println!("serve under `ulimit {ulimit}`:");
        let (latencies, unanswered) = probes(&address, count.min(50)).await;
        report("no flood", &latencies, unanswered);

        let reopened = Arc::new(AtomicUsize::new(0));
        let flooding = flood(&address, connections, reopened.clone());
        tokio::time::sleep(Duration::from_secs(3)).await;
        let (fds, reopened_before, cpu_before) = (
            open_fds(pid),
            reopened.load(Ordering::Relaxed),
            cpu_ticks(pid),
        );
        let started = Instant::now();
        let (latencies, unanswered) = probes(&address, count).await;
        let elapsed = started.elapsed().as_secs_f64();
        let reopens = reopened.load(Ordering::Relaxed) - reopened_before;
        let cpu = (cpu_ticks(pid) - cpu_before) as f64 / 100.0;
        report("during the flood", &latencies, unanswered);
        println!(
            "  {:<22} {fds} open descriptors in serve; {:.0} flood connections closed and \
             reopened per second; serve used {:.0} % of a core",
            "",
            reopens as f64 / elapsed,
            cpu / elapsed * 100.0
        );
        for task in flooding {
            task.abort();
        }
        server.kill().await.unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
