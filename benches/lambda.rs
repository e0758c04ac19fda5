//! The functions in Lambda's own shape (`make bench`): each release binary under a local Lambda
//! Runtime API (the HTTP protocol Lambda speaks to a custom runtime), one instance at a time,
//! invocations one after another, the function pinned to core 0 and everything else (this
//! Runtime API, `dev` with the JWKS and the Authsignal emulator) on core 1.
//!
//! Per function and start (`LAMBDA_STARTS`, default 5; each start makes `LAMBDA_INVOCATIONS`
//! warm invocations, default 5,000):
//! - **init**: exec → the first `GET /invocation/next`, and the CPU the process used until then
//!   (the on-CPU time of all its threads, `/proc/<pid>/task/*/schedstat`, in nanoseconds);
//! - **first invocation**: event handed out → answer posted;
//! - **warm invocations**: the same, p50 and p99 over every warm invocation of every start;
//! - **CPU per warm invocation**: utime + stime of the whole process (`/proc/<pid>/stat`, dead
//!   threads included) over the warm invocations, divided by their number, and the kernel's part
//!   of it (stime), mostly the loopback exchanges, which the function's own code barely changes;
//! - **max memory**: `VmHWM`;
//! - **billed duration** estimated at 128, 256 and 1,769 MB: Lambda gives a function CPU in
//!   proportion to its memory, one full vCPU at 1,769 MB (AWS Lambda Developer Guide, "Memory and
//!   computing power"), so the CPU part of a warm invocation is stretched by 1,769 / memory and
//!   the waiting part (the upstream's answer) is not; Lambda bills by the millisecond, rounded up.
//!
//! `LAMBDA_FUNCTIONS` (comma-separated names) measures only those. Init, first and CPU figures
//! are medians over the starts. Run under `taskset -c 0`, the benchmark puts the function, this
//! Runtime API and `dev` on one core: no exchange then wakes another core, which shows what the
//! code costs apart from cross-core wake-ups (README). The events are the ones Lambda
//! sends: API Gateway HTTP API (v2) `GET /v1/me/authenticators` with a signed-in user's token,
//! and Cognito's Define, Create and Verify events (Verify with an answer Authsignal refuses, so
//! every invocation makes its one Authsignal call).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot};

mod common;
use common::{
    SECRET, percentile, pin, setting, start, status_kib, user_and_kernel_seconds,
    user_with_email_otp,
};

/// Lambda's memory sizes estimated for, and the size with one full vCPU.
const MEMORY_SIZES_MB: [f64; 3] = [128.0, 256.0, 1769.0];
const ONE_VCPU_MB: f64 = 1769.0;

/// A Runtime API that hands out one event when asked and waits for its answer.
struct RuntimeApi {
    events: tokio::sync::Mutex<mpsc::Receiver<Value>>,
    answer: Mutex<Option<oneshot::Sender<Result<Value, Value>>>>,
    /// When the function first asked for an event, and the CPU it had used by then.
    ready: Mutex<Option<oneshot::Sender<Instant>>>,
    request_ids: AtomicU64,
}

async fn next(State(api): State<Arc<RuntimeApi>>) -> (HeaderMap, String) {
    if let Some(ready) = api.ready.lock().unwrap().take() {
        let _ = ready.send(Instant::now());
    }
    let event = api.events.lock().await.recv().await.unwrap_or(Value::Null);
    let id = api.request_ids.fetch_add(1, Ordering::Relaxed);
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 30_000;
    let mut headers = HeaderMap::new();
    headers.insert(
        "lambda-runtime-aws-request-id",
        format!("bench-{id}").parse().unwrap(),
    );
    headers.insert(
        "lambda-runtime-deadline-ms",
        deadline.to_string().parse().unwrap(),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:eu-west-1:123456789012:function:bench"
            .parse()
            .unwrap(),
    );
    (headers, event.to_string())
}

async fn respond(State(api): State<Arc<RuntimeApi>>, body: String) -> StatusCode {
    answer(&api, Ok(serde_json::from_str(&body).unwrap_or(Value::Null)))
}

async fn error(
    State(api): State<Arc<RuntimeApi>>,
    Path(_id): Path<String>,
    body: String,
) -> StatusCode {
    answer(&api, Err(Value::String(body)))
}

async fn init_error(body: String) -> StatusCode {
    panic!("the function failed to start: {body}");
}

fn answer(api: &RuntimeApi, outcome: Result<Value, Value>) -> StatusCode {
    if let Some(waiting) = api.answer.lock().unwrap().take() {
        let _ = waiting.send(outcome);
    }
    StatusCode::ACCEPTED
}

/// On-CPU time of the living threads of `pid`, to the nanosecond.
fn thread_cpu(pid: u32) -> Duration {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
    {
        let Ok(task) = task else { continue };
        let schedstat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        total += schedstat
            .split_whitespace()
            .next()
            .and_then(|ns| ns.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Duration::from_nanos(total)
}

/// A built function binary beside this benchmark's (`target/release/<name>`), as a command.
fn function_binary(name: &str) -> Vec<String> {
    let exe = std::env::current_exe().expect("the benchmark knows its own path");
    let binary = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("benchmarks run from target/<profile>/deps")
        .join(name);
    assert!(
        binary.exists(),
        "{} is missing: `make bench` builds the functions first",
        binary.display()
    );
    vec![binary.display().to_string()]
}

/// The seeds' design in Node (`tests/node/bench-account-function.mjs`, aws-jwt-verify and
/// @authsignal/node from `tests/node`, installed by `make test`), when Node and those are here.
fn node_function() -> Option<Vec<String>> {
    let script = format!(
        "{}/tests/node/bench-account-function.mjs",
        env!("CARGO_MANIFEST_DIR")
    );
    let modules = format!(
        "{}/tests/node/node_modules/aws-jwt-verify",
        env!("CARGO_MANIFEST_DIR")
    );
    let node = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("node"))
            .find(|node| node.is_file())
    })?;
    std::path::Path::new(&modules)
        .is_dir()
        .then(|| vec![node.display().to_string(), script])
}

/// What one start of a function measured.
struct Start {
    init: Duration,
    init_cpu: Duration,
    first: Duration,
    warm: Vec<Duration>,
    cpu_per_warm: Duration,
    /// The part of `cpu_per_warm` spent in the kernel (system time).
    kernel_per_warm: Duration,
    max_memory_kib: u64,
}

/// One function under measurement: its program, environment and event.
struct Function {
    name: &'static str,
    /// The command that runs it: the Rust binary of that name, or Node with a script.
    program: Vec<String>,
    env: Vec<(&'static str, String)>,
    event: Value,
    /// What a successful answer must hold (so the figures are of the real path).
    check: fn(&Value),
}

impl Function {
    async fn start_once(&self, invocations: usize, pinned: bool) -> Start {
        let (events, receiver) = mpsc::channel(1);
        let (ready, is_ready) = oneshot::channel();
        let api = Arc::new(RuntimeApi {
            events: tokio::sync::Mutex::new(receiver),
            answer: Mutex::new(None),
            ready: Mutex::new(Some(ready)),
            request_ids: AtomicU64::new(0),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let routes = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(respond),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(api.clone());
        let server = tokio::spawn(async move { axum::serve(listener, routes).await });

        // Pinned from exec on (taskset runs the binary in its own place), so init is measured
        // on one core too.
        let mut command = if pinned {
            let mut command = Command::new("taskset");
            command.args(["-c", "0"]).args(&self.program);
            command
        } else {
            let mut command = Command::new(&self.program[0]);
            command.args(&self.program[1..]);
            command
        };
        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", self.name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("RUST_LOG", "warn")
            .envs(self.env.iter().map(|(name, value)| (*name, value.as_str())))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        let exec = Instant::now();
        let child = command.spawn().expect("the function starts");
        let pid = child.id().expect("the function runs");
        let ready_at = tokio::time::timeout(Duration::from_secs(20), is_ready)
            .await
            .expect("the function asks for an event within 20 s")
            .unwrap();
        let init = ready_at - exec;
        let init_cpu = thread_cpu(pid);

        let invoke = |event: Value| {
            let api = api.clone();
            let events = events.clone();
            let check = self.check;
            async move {
                let (answer, answered) = oneshot::channel();
                *api.answer.lock().unwrap() = Some(answer);
                let handed = Instant::now();
                events.send(event).await.unwrap();
                let outcome = answered.await.unwrap();
                let took = handed.elapsed();
                match outcome {
                    Ok(body) => check(&body),
                    Err(body) => panic!("the function failed: {body}"),
                }
                took
            }
        };
        let first = invoke(self.event.clone()).await;
        let (user_before, kernel_before) = user_and_kernel_seconds(pid);
        let mut warm = Vec::with_capacity(invocations);
        for _ in 0..invocations {
            warm.push(invoke(self.event.clone()).await);
        }
        let (user_after, kernel_after) = user_and_kernel_seconds(pid);
        let kernel = kernel_after - kernel_before;
        let cpu = user_after - user_before + kernel;
        let max_memory_kib = status_kib(pid, "VmHWM:");
        drop(child);
        server.abort();
        Start {
            init,
            init_cpu,
            first,
            warm,
            cpu_per_warm: Duration::from_secs_f64(cpu / invocations as f64),
            kernel_per_warm: Duration::from_secs_f64(kernel / invocations as f64),
            max_memory_kib,
        }
    }
}

fn median<T: Copy + Ord>(values: &[T]) -> T {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

/// The start whose CPU per warm invocation is the median, so that CPU is reported together with
/// its own kernel part (two separate medians could come from different starts).
fn median_start(starts: &[Start]) -> &Start {
    let mut by_cpu: Vec<&Start> = starts.iter().collect();
    by_cpu.sort_by_key(|start| start.cpu_per_warm);
    by_cpu[by_cpu.len() / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1e3)
}

/// Billed milliseconds of a warm invocation at `memory_mb`: the CPU part stretched by the share
/// of a vCPU that memory buys, the rest (waiting) as measured, rounded up to the millisecond.
fn billed_ms(wall: Duration, cpu: Duration, memory_mb: f64) -> u64 {
    let share = (memory_mb / ONE_VCPU_MB).min(1.0);
    let waiting = wall.saturating_sub(cpu).as_secs_f64();
    ((waiting + cpu.as_secs_f64() / share) * 1e3)
        .ceil()
        .max(1.0) as u64
}

fn report(name: &str, starts: &[Start]) {
    let mut warm: Vec<Duration> = starts.iter().flat_map(|s| s.warm.clone()).collect();
    warm.sort();
    let middle = median_start(starts);
    let cpu = middle.cpu_per_warm;
    let p50 = percentile(&warm, 0.50);
    println!(
        "{name}: {} starts, {} warm invocations",
        starts.len(),
        warm.len()
    );
    println!(
        "  init (exec -> first /next)   {}  (CPU {})",
        ms(median(&starts.iter().map(|s| s.init).collect::<Vec<_>>())),
        ms(median(
            &starts.iter().map(|s| s.init_cpu).collect::<Vec<_>>()
        ))
    );
    println!(
        "  first invocation             {}",
        ms(median(&starts.iter().map(|s| s.first).collect::<Vec<_>>()))
    );
    println!(
        "  warm invocation p50 / p99    {} / {}",
        ms(p50),
        ms(percentile(&warm, 0.99))
    );
    println!(
        "  CPU per warm invocation      {:.0} µs, of which kernel {:.0} µs  ({:.0} invocations per CPU-second)",
        cpu.as_secs_f64() * 1e6,
        middle.kernel_per_warm.as_secs_f64() * 1e6,
        1.0 / cpu.as_secs_f64()
    );
    println!(
        "  max memory (VmHWM)           {:.1} MB",
        median(&starts.iter().map(|s| s.max_memory_kib).collect::<Vec<_>>()) as f64 / 1024.0
    );
    let billed: Vec<String> = MEMORY_SIZES_MB
        .iter()
        .map(|&memory| format!("{} ms at {memory:.0} MB", billed_ms(p50, cpu, memory)))
        .collect();
    println!("  billed per warm invocation   {}", billed.join(", "));
}

fn fixture(path: &str) -> Value {
    let path = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let starts = setting("LAMBDA_STARTS", 5) as usize;
    let invocations = setting("LAMBDA_INVOCATIONS", 5_000) as usize;
    let (dev, dev_url) = start(
        &["dev", "--port", "0"],
        &[("AUTHSIGNAL_SECRET_KEY", SECRET.into())],
    )
    .await;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pinned = cores >= 2 && pin(dev.id().unwrap(), "1") && pin(std::process::id(), "1");
    let http = reqwest::Client::new();
    let authsignal = format!("{dev_url}/local/authsignal/v1");

    // A signed-in user with an email authenticator: the account function lists it, and Create
    // (whose fixture is this user) tracks its sign-in.
    let sub = "4f1c2a9e-7b3d-4e55-9a61-2c8d0e6b7f13";
    let token = user_with_email_otp(&http, &dev_url, sub, 3600).await;
    let list = fixture("tests/api/fixtures/apigw-v2-list-authenticators.json")
        .to_string()
        .replace("{{TOKEN}}", &token)
        .replace("{{SUB}}", sub);
    let common_env = |extra: &[(&'static str, String)]| {
        let mut env = vec![
            ("AUTHSIGNAL_API_URL", authsignal.clone()),
            ("AUTHSIGNAL_SECRET_KEY", SECRET.to_owned()),
            // No AWS call is made on these paths; the SDK only needs a region to be built.
            ("AWS_REGION", "eu-west-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "bench".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "bench".to_owned()),
        ];
        env.extend(extra.iter().cloned());
        env
    };
    let mut verify = fixture("tests/triggers/fixtures/lambda/verify-auth-challenge-response.json");
    verify["request"]["challengeAnswer"] =
        json!("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bm90LWEtc2lnbmF0dXJl");
    let account_env = common_env(&[
        ("COGNITO_USER_POOL_ID", "eu-west-1_LocalDev".into()),
        ("COGNITO_CLIENT_IDS", "localdevclient".into()),
        (
            "COGNITO_JWKS_URL",
            format!("{dev_url}/local/cognito/eu-west-1_LocalDev/.well-known/jwks.json"),
        ),
    ]);
    let list_event: Value = serde_json::from_str(&list).unwrap();
    let listed: fn(&Value) = |answer| assert_eq!(answer["statusCode"], 200, "{answer}");
    let mut functions = vec![
        Function {
            name: "account-api",
            program: function_binary("account-api"),
            env: account_env.clone(),
            event: list_event.clone(),
            check: listed,
        },
        Function {
            name: "define-auth-challenge",
            program: function_binary("define-auth-challenge"),
            env: common_env(&[]),
            event: fixture("tests/triggers/fixtures/lambda/define-auth-challenge-first-round.json"),
            check: |answer| {
                assert_eq!(
                    answer["response"]["challengeName"], "CUSTOM_CHALLENGE",
                    "{answer}"
                )
            },
        },
        Function {
            name: "create-auth-challenge",
            program: function_binary("create-auth-challenge"),
            env: common_env(&[]),
            event: fixture("tests/triggers/fixtures/lambda/create-auth-challenge.json"),
            check: |answer| {
                assert!(
                    answer["response"]["publicChallengeParameters"]["token"].is_string(),
                    "{answer}"
                )
            },
        },
        Function {
            name: "verify-auth-challenge-response",
            program: function_binary("verify-auth-challenge-response"),
            env: common_env(&[]),
            event: verify,
            check: |answer| assert_eq!(answer["response"]["answerCorrect"], false, "{answer}"),
        },
    ];
    match node_function() {
        Some(program) => functions.push(Function {
            name: "node (the seeds' design)",
            program,
            env: account_env,
            event: list_event,
            check: listed,
        }),
        None => println!("(no Node or no tests/node/node_modules: the Node function is skipped)"),
    }
    // Create's user is the one enrolled above, so Create tracks once per invocation.
    assert_eq!(functions[2].event["request"]["userAttributes"]["sub"], sub);

    println!(
        "Lambda's shape: release binaries under a local Runtime API, sequential invocations, {}",
        if pinned {
            "the function on core 0; the Runtime API and dev on core 1"
        } else if cores < 2 {
            "everything on one core (fewer than two available, e.g. under `taskset -c 0`)"
        } else {
            "not pinned (taskset could not pin the processes)"
        }
    );
    let only = std::env::var("LAMBDA_FUNCTIONS").unwrap_or_default();
    let mut figures: HashMap<&str, Vec<Start>> = HashMap::new();
    for function in functions
        .iter()
        .filter(|function| only.is_empty() || only.split(',').any(|name| name == function.name))
    {
        for _ in 0..starts {
            let start = function.start_once(invocations, pinned).await;
            figures.entry(function.name).or_default().push(start);
        }
        report(function.name, &figures[function.name]);
    }
    let cpu = |name: &str| {
        figures
            .get(name)
            .map(|starts| median(&starts.iter().map(|s| s.cpu_per_warm).collect::<Vec<_>>()))
    };
    if let (Some(rust), Some(node)) = (cpu("account-api"), cpu("node (the seeds' design)")) {
        println!(
            "CPU per warm invocation, account-api / Node: {:.3}",
            rust.as_secs_f64() / node.as_secs_f64()
        );
    }
}
