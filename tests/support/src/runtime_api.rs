//! A local Lambda Runtime API (the HTTP protocol Lambda speaks to custom runtimes) for
//! black-box tests of the built function binaries: it hands out queued events, one per
//! `GET /invocation/next`, and records what the function answered for each of them.
//!

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// An event from `tests/triggers/fixtures/lambda/`, shaped as the AWS service sends it.
pub fn lambda_fixture(name: &str) -> Value {
    let path = crate::repo_root()
        .join("tests/triggers/fixtures/lambda")
        .join(name)
        .display()
        .to_string();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// How long [`RuntimeApi::outcomes`] waits for the function.
pub const OUTCOME_TIMEOUT: Duration = Duration::from_secs(20);

/// What the function posted for one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `POST /invocation/{id}/response`: the handler's answer.
    Response(Value),
    /// `POST /invocation/{id}/error`: Lambda's `{errorType, errorMessage}`.
    Error(Value),
}

impl Outcome {
    /// The response; panics on an error.
    pub fn response(&self) -> &Value {
        match self {
            Outcome::Response(body) => body,
            Outcome::Error(body) => panic!("expected a response, the function reported {body}"),
        }
    }

    /// The error body; panics on a response.
    pub fn error(&self) -> &Value {
        match self {
            Outcome::Error(body) => body,
            Outcome::Response(body) => panic!("expected an error, the function answered {body}"),
        }
    }
}

/// The Runtime API: queued events in, outcomes by request id out.
pub struct RuntimeApi {
    address: SocketAddr,
    function_name: OnceLock<String>,
    pending: Mutex<VecDeque<(String, Value)>>,
    outcomes: Mutex<HashMap<String, Outcome>>,
    init_errors: Mutex<Vec<Value>>,
    /// What the function wrote to stderr (its logs), line by line.
    logs: Arc<Mutex<Vec<String>>>,
}

impl RuntimeApi {
    /// Serves `events` (request id, payload), in order, on `127.0.0.1:<any port>`.
    pub async fn start(events: Vec<(String, Value)>) -> Arc<RuntimeApi> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the Runtime API");
        let runtime = Arc::new(RuntimeApi {
            address: listener.local_addr().expect("the Runtime API's address"),
            function_name: OnceLock::new(),
            pending: Mutex::new(events.into()),
            outcomes: Mutex::default(),
            init_errors: Mutex::default(),
            logs: Arc::default(),
        });
        let routes = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(respond),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(runtime.clone());
        tokio::spawn(async move { axum::serve(listener, routes).await });
        runtime
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// Runs `exe` against this Runtime API with a clean environment: the `AWS_LAMBDA_*`
    /// variables, `RUST_LOG=warn` and `env` (which may set another `RUST_LOG`; logs go to
    /// stderr). Killed on drop.
    pub fn spawn(&self, exe: &str, function_name: &str, env: &[(&str, &str)]) -> Child {
        let _ = self.function_name.set(function_name.to_owned());
        let mut child = Command::new(exe)
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", self.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", function_name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("{exe} starts: {error}"));
        let stderr = child.stderr.take().expect("piped stderr");
        let logs = self.logs.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                logs.lock().unwrap().push(line);
            }
        });
        child
    }

    /// The function's log lines so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    /// Waits (up to [`OUTCOME_TIMEOUT`]) until `count` invocations have an outcome, and returns
    /// them by request id. Panics with the body of an init error, or on the timeout.
    pub async fn outcomes(&self, count: usize) -> HashMap<String, Outcome> {
        let deadline = tokio::time::Instant::now() + OUTCOME_TIMEOUT;
        loop {
            if let Some(error) = self.init_errors.lock().unwrap().first() {
                panic!("the function failed to initialise: {error}");
            }
            let outcomes = self.outcomes.lock().unwrap().clone();
            if outcomes.len() >= count {
                return outcomes;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} of {count} outcomes after {OUTCOME_TIMEOUT:?}: {outcomes:?}",
                outcomes.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn parse(body: String) -> Value {
    serde_json::from_str(&body).unwrap_or(Value::String(body))
}

async fn next(State(runtime): State<Arc<RuntimeApi>>) -> (HeaderMap, String) {
    loop {
        let queued = runtime.pending.lock().unwrap().pop_front();
        if let Some((id, event)) = queued {
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 30_000;
            let name = runtime
                .function_name
                .get()
                .map_or("function", String::as_str);
            let arn = format!("arn:aws:lambda:eu-west-1:123456789012:function:{name}");
            let mut headers = HeaderMap::new();
            headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
            headers.insert(
                "lambda-runtime-deadline-ms",
                deadline.to_string().parse().unwrap(),
            );
            headers.insert("lambda-runtime-invoked-function-arn", arn.parse().unwrap());
            return (headers, event.to_string());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn respond(
    State(runtime): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: String,
) -> StatusCode {
    let outcome = Outcome::Response(parse(body));
    runtime.outcomes.lock().unwrap().insert(id, outcome);
    StatusCode::ACCEPTED
}

async fn error(
    State(runtime): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: String,
) -> StatusCode {
    let outcome = Outcome::Error(parse(body));
    runtime.outcomes.lock().unwrap().insert(id, outcome);
    StatusCode::ACCEPTED
}

async fn init_error(State(runtime): State<Arc<RuntimeApi>>, body: String) -> StatusCode {
    runtime.init_errors.lock().unwrap().push(parse(body));
    StatusCode::ACCEPTED
}
