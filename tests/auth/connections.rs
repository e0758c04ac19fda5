//! What a server facing clients directly must refuse, black-box against the binary (`serve`, or
//! `dev`, which serves through the same connection handling): slow and idle connections are cut
//! off, a cap on connections holds, one client's idle connections cannot keep others out (nor
//! close a request in flight), the per-peer cap holds, a low open-files limit lowers the cap with
//! a warning, oversized headers get 431 and oversized bodies 413 (and the client really receives
//! them).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinHandle;

use cognito_authsignal_local::keys::SigningKey;
use wiremock::MockServer;

use crate::dev;
use crate::helpers::{CLIENT_ID, ChildGuard, JWKS_PATH, POOL_ID, serve_jwks, valid_claims};
use crate::moto::spawn_serve;
use crate::moto_server::free_port;

fn address(base_url: &str) -> String {
    base_url.trim_start_matches("http://").to_owned()
}

/// Whether the server closed `stream` within `within` (EOF or reset while reading).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// Sends a raw request and returns the whole response text (the server closes afterwards).
async fn raw(address: &str, request: &[u8]) -> String {
    raw_from(LOCALHOST, address, request).await
}

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
/// Another loopback address: on Linux the whole of 127.0.0.0/8 is local, so a client socket
/// bound to it is a second peer.
const OTHER_PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// A connection from `source` (a loopback address) to `address`.
async fn connect_from(source: IpAddr, address: &str) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind((source, 0).into())?;
    socket
        .connect(address.parse().map_err(std::io::Error::other)?)
        .await
}

/// `raw`, from the loopback address `source`.
async fn raw_from(source: IpAddr, address: &str, request: &[u8]) -> String {
    let mut stream = connect_from(source, address).await.unwrap();
    let _ = stream.write_all(request).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response)).await;
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn slow_and_idle_clients_are_cut_off_while_others_are_served() {
    let dev = dev::DevServer::start(&[("SERVER_HEADER_READ_TIMEOUT_SECONDS", "1")]).await;
    let address = address(&dev.base_url);
    let mut stalled = Vec::new();
    for _ in 0..100 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: local\r\n")
            .await
            .unwrap();
        stalled.push(stream);
    }
    let started = Instant::now();
    let health = reqwest::get(format!("{}/health", dev.base_url))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(500));

    for stream in &mut stalled {
        assert!(
            closed_within(stream, Duration::from_secs(3)).await,
            "a stalled client stayed"
        );
    }

    // An idle keep-alive connection is closed too.
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: local\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 256];
    let read = idle.read(&mut first).await.unwrap();
    assert!(String::from_utf8_lossy(&first[..read]).starts_with("HTTP/1.1 200"));
    assert!(closed_within(&mut idle, Duration::from_secs(3)).await);
}

/// `serve` with the given limits, verifying tokens against its own key (Authsignal is
/// unreachable: these tests never get that far), and a token it accepts.
struct Serve {
    _process: ChildGuard,
    _jwks: MockServer,
    base_url: String,
    address: String,
    token: String,
}

async fn serve_with(limits: &[(&'static str, &str)]) -> Serve {
    let key = SigningKey::generate("connections-key");
    let jwks = MockServer::start().await;
    serve_jwks(&jwks, key.jwks()).await;
    let closed = format!("http://127.0.0.1:{}", free_port());
    let mut env = vec![
        ("COGNITO_USER_POOL_ID", POOL_ID.to_owned()),
        ("COGNITO_CLIENT_IDS", CLIENT_ID.to_owned()),
        ("COGNITO_JWKS_URL", format!("{}{JWKS_PATH}", jwks.uri())),
        ("AUTHSIGNAL_API_URL", format!("{closed}/v1")),
        ("AUTHSIGNAL_SECRET_KEY", "sk_connections".to_owned()),
    ];
    env.extend(
        limits
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned())),
    );
    let (process, base_url) = spawn_serve(&env).await;
    Serve {
        _process: process,
        _jwks: jwks,
        address: address(&base_url),
        base_url,
        token: key.sign_jwt(&valid_claims()),
    }
}

/// An invalid email: once the body is complete the request is answered 400 at once.
const IN_FLIGHT_BODY: &[u8] = br#"{"email":"not-an-email"}"#;

/// A connection with a request in flight: an authenticated POST's head and half its body.
async fn request_in_flight(source: IpAddr, serve: &Serve) -> TcpStream {
    let mut stream = connect_from(source, &serve.address).await.unwrap();
    let head = format!(
        "POST /v1/me/authenticators/enrollment-token HTTP/1.1\r\nHost: local\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        serve.token,
        IN_FLIGHT_BODY.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&IN_FLIGHT_BODY[..10]).await.unwrap();
    stream
}

/// Sends the rest of `request_in_flight`'s body and returns what the server answers.
async fn finish_request(stream: &mut TcpStream) -> String {
    let _ = stream.write_all(&IN_FLIGHT_BODY[10..]).await;
    let mut response = [0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut response)).await;
    match read {
        Ok(Ok(read)) => String::from_utf8_lossy(&response[..read]).into_owned(),
        _ => String::new(),
    }
}

/// How a flooding connection holds a slot with no request in flight.
#[derive(Clone, Copy, Debug)]
enum Idle {
    /// Connected, nothing sent.
    Silent,
    /// Half a request head sent.
    HalfSentHead,
    /// One request sent and answered, then nothing more (keep-alive).
    AfterOneRequest,
}

impl Idle {
    fn sends(self) -> &'static [u8] {
        match self {
            Idle::Silent => b"",
            Idle::HalfSentHead => b"GET /health HTTP/1.1\r\nHost: local\r\n",
            Idle::AfterOneRequest => b"GET /health HTTP/1.1\r\nHost: local\r\n\r\n",
        }
    }
}

/// `count` idle connections from one client, each reopened shortly after the server closes
/// it, until dropped.
struct Flood {
    tasks: Vec<JoinHandle<()>>,
    closed_by_server: Arc<AtomicUsize>,
}

impl Flood {
    fn start(address: &str, idle: Idle, count: usize) -> Flood {
        let closed_by_server = Arc::new(AtomicUsize::new(0));
        let tasks = (0..count)
            .map(|_| {
                let (address, closed_by_server) = (address.to_owned(), closed_by_server.clone());
                tokio::spawn(async move {
                    loop {
                        if let Ok(mut stream) = TcpStream::connect(&address).await {
                            let _ = stream.write_all(idle.sends()).await;
                            if closed_within(&mut stream, Duration::from_secs(120)).await {
                                closed_by_server.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        // A pause, so that the flood does not take the cores the test needs.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                })
            })
            .collect();
        Flood {
            tasks,
            closed_by_server,
        }
    }

    fn closed_by_server(&self) -> usize {
        self.closed_by_server.load(Ordering::Relaxed)
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

const GET_HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n";

#[tokio::test]
async fn connections_beyond_the_cap_wait_while_every_one_has_a_request_in_flight() {
    let serve = serve_with(&[
        ("SERVER_MAX_CONNECTIONS", "2"),
        ("SERVER_HEADER_READ_TIMEOUT_SECONDS", "30"),
    ])
    .await;
    let mut holders = Vec::new();
    for _ in 0..2 {
        holders.push(request_in_flight(LOCALHOST, &serve).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let third = tokio::spawn(reqwest::get(format!("{}/health", serve.base_url)));
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !third.is_finished(),
        "a third connection was served beyond the cap"
    );
    drop(holders.pop());
    let served = tokio::time::timeout(Duration::from_secs(3), third)
        .await
        .expect("served once a connection is free")
        .unwrap()
        .unwrap();
    assert_eq!(served.status(), 200);
    let answer = finish_request(&mut holders[0]).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_gets_408_and_gives_up_its_slot() {
    let serve = serve_with(&[
        ("SERVER_MAX_CONNECTIONS", "2"),
        ("SERVER_HEADER_READ_TIMEOUT_SECONDS", "2"),
    ])
    .await;
    // Every slot held by a request whose body stops halfway.
    let mut holders = Vec::new();
    for _ in 0..2 {
        holders.push(request_in_flight(LOCALHOST, &serve).await);
    }
    let started = Instant::now();
    let third = tokio::spawn(reqwest::get(format!("{}/health", serve.base_url)));
    let served = tokio::time::timeout(Duration::from_secs(8), third)
        .await
        .expect("served once the held bodies ran out of time")
        .unwrap()
        .unwrap();
    assert_eq!(served.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(1_500),
        "served before the held requests' time was up: {:?}",
        started.elapsed()
    );
    for holder in &mut holders {
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), holder.read_to_end(&mut answer))
            .await
            .expect("the server closes the connection after its 408");
        assert!(read.is_ok());
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(
            answer.contains("application/problem+json") && answer.contains("\"request_timeout\""),
            "{answer}"
        );
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn one_clients_idle_connections_cannot_keep_another_client_out() {
    // A header-read timeout far longer than the test: only making room can let anyone in.
    let serve = serve_with(&[
        ("SERVER_MAX_CONNECTIONS", "64"),
        ("SERVER_HEADER_READ_TIMEOUT_SECONDS", "120"),
    ])
    .await;
    for idle in [Idle::Silent, Idle::HalfSentHead, Idle::AfterOneRequest] {
        let flood = Flood::start(&serve.address, idle, 150);
        tokio::time::sleep(Duration::from_millis(500)).await;
        for _ in 0..5 {
            let started = Instant::now();
            let answer = raw_from(OTHER_PEER, &serve.address, GET_HEALTH).await;
            let took = started.elapsed();
            assert!(answer.starts_with("HTTP/1.1 200"), "{idle:?}: {answer:?}");
            assert!(
                took < Duration::from_secs(1),
                "{idle:?}: served in {took:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(
            flood.closed_by_server() > 0,
            "{idle:?}: the flood never filled the cap"
        );
    }
}

#[tokio::test]
async fn a_request_in_flight_is_never_closed_to_make_room() {
    let serve = serve_with(&[
        ("SERVER_MAX_CONNECTIONS", "8"),
        ("SERVER_HEADER_READ_TIMEOUT_SECONDS", "120"),
    ])
    .await;
    // The oldest connection: the first to go if one with a request in flight could.
    let mut in_flight = request_in_flight(LOCALHOST, &serve).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let flood = Flood::start(&serve.address, Idle::Silent, 40);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        flood.closed_by_server() > 0,
        "the flood never filled the cap"
    );
    let answer = finish_request(&mut in_flight).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
}

#[tokio::test]
async fn the_per_peer_cap_keeps_one_client_from_taking_the_others_slots() {
    let serve = serve_with(&[
        ("SERVER_MAX_CONNECTIONS", "64"),
        ("SERVER_MAX_CONNECTIONS_PER_PEER", "4"),
        ("SERVER_HEADER_READ_TIMEOUT_SECONDS", "120"),
    ])
    .await;
    // Idle connections beyond the peer's cap close its own oldest ones.
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(&serve.address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut still_open = 0;
    for stream in &mut idle {
        if !closed_within(stream, Duration::from_millis(300)).await {
            still_open += 1;
        }
    }
    assert!((1..=4).contains(&still_open), "{still_open} still open");
    let own = raw(&serve.address, GET_HEALTH).await;
    assert!(own.starts_with("HTTP/1.1 200"), "{own:?}");
    drop(idle);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // With a request in flight on each of its connections, the peer's next one is refused at
    // once, although the server has room; another peer is served.
    let mut in_flight = Vec::new();
    for _ in 0..4 {
        in_flight.push(request_in_flight(LOCALHOST, &serve).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let refused = raw(&serve.address, GET_HEALTH).await;
    assert_eq!(refused, "", "a connection beyond the peer's cap was served");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "not refused at once"
    );
    let other = raw_from(OTHER_PEER, &serve.address, GET_HEALTH).await;
    assert!(other.starts_with("HTTP/1.1 200"), "{other:?}");
    let answer = finish_request(&mut in_flight[0]).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
}

#[tokio::test]
async fn under_a_low_open_files_limit_serve_lowers_its_cap_warns_and_keeps_serving() {
    // The hard limit is lowered for `serve` alone, as `ulimit -n` in its shell would.
    let mut command = tokio::process::Command::new("sh");
    command
        .args([
            "-c",
            "ulimit -n 128 && exec \"$0\" serve --addr 127.0.0.1:0",
        ])
        .arg(dev::cli_binary())
        .env_clear()
        .env("RUST_LOG", "warn")
        .env("COGNITO_USER_POOL_ID", "eu-west-1_Files")
        .env("COGNITO_CLIENT_IDS", "filesclient")
        .env("AUTHSIGNAL_SECRET_KEY", "sk_files")
        .env("SERVER_HEADER_READ_TIMEOUT_SECONDS", "120")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let closed = format!("http://127.0.0.1:{}", free_port());
    command
        .env("COGNITO_JWKS_URL", format!("{closed}/jwks.json"))
        .env("AUTHSIGNAL_API_URL", format!("{closed}/v1"));
    let mut serve = command.spawn().unwrap();
    let mut stdout = BufReader::new(serve.stdout.take().unwrap()).lines();
    let mut stderr = BufReader::new(serve.stderr.take().unwrap()).lines();
    let listening = tokio::time::timeout(Duration::from_secs(10), stdout.next_line())
        .await
        .expect("serve prints its address")
        .unwrap()
        .unwrap_or_default();
    let address = address(listening.trim_start_matches("listening on "));
    let warning = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(line)) = stderr.next_line().await {
            if line.contains("SERVER_MAX_CONNECTIONS") {
                return line;
            }
        }
        String::new()
    })
    .await
    .expect("serve warns about the cap");
    assert!(
        warning.contains("SERVER_MAX_CONNECTIONS=1024 does not fit the open-files limit of 128")
            && warning.contains("serving at most 64 connections"),
        "{warning}"
    );

    // More idle connections than the limit has descriptors: another client is still served.
    let flood = Flood::start(&address, Idle::Silent, 150);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let answer = raw(&address, GET_HEALTH).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert!(
        flood.closed_by_server() > 0,
        "the flood never filled the cap"
    );
    drop(flood);
    let _ = serve.kill().await;
    let mut later = Vec::new();
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_secs(2), stderr.next_line()).await
    {
        later.push(line);
    }
    assert!(
        !later.iter().any(|line| line.contains("accept failed")),
        "{later:?}"
    );
}

#[tokio::test]
async fn oversized_headers_and_bodies_are_refused_and_the_client_is_told() {
    let dev = dev::DevServer::start(&[]).await;
    let address = address(&dev.base_url);
    let header = |bytes: usize| {
        format!(
            "GET /health HTTP/1.1\r\nHost: local\r\nX-Padding: {}\r\nConnection: close\r\n\r\n",
            "a".repeat(bytes)
        )
    };
    let fine = raw(&address, header(8 * 1024).as_bytes()).await;
    assert!(fine.starts_with("HTTP/1.1 200"), "{fine}");
    let large = raw(&address, header(20 * 1024).as_bytes()).await;
    assert!(large.starts_with("HTTP/1.1 431"), "{large}");
    assert!(large.contains("application/problem+json"), "{large}");
    assert!(
        large.contains("\"code\":\"request_header_fields_too_large\""),
        "{large}"
    );
    let huge = raw(&address, header(100 * 1024).as_bytes()).await;
    assert!(huge.starts_with("HTTP/1.1 431"), "{huge}");

    // A body over the API's 32 KiB, sent with a valid token: 413 problem+json reaches the client.
    let body = format!("{{\"email\":\"{}@example.com\"}}", "a".repeat(200 * 1024));
    let request = format!(
        "POST /v1/me/authenticators/enrollment-token HTTP/1.1\r\nHost: local\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        dev.token,
        body.len()
    );
    let too_large = raw(&address, request.as_bytes()).await;
    assert!(too_large.starts_with("HTTP/1.1 413"), "{too_large}");
    assert!(
        too_large.contains("\"code\":\"payload_too_large\""),
        "{too_large}"
    );
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_then_exits_cleanly() {
    use wiremock::matchers::path_regex;
    use wiremock::{Mock, ResponseTemplate};

    let key = SigningKey::generate("shutdown-key");
    let jwks = MockServer::start().await;
    serve_jwks(&jwks, key.jwks()).await;
    // Authsignal takes 1.5 s to list authenticators: the request is in flight at SIGTERM.
    let authsignal = MockServer::start().await;
    Mock::given(path_regex("/authenticators$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(1_500))
                .set_body_json(serde_json::json!([])),
        )
        .mount(&authsignal)
        .await;
    let (mut server, base_url) = spawn_serve(&[
        ("COGNITO_USER_POOL_ID", POOL_ID.to_owned()),
        ("COGNITO_CLIENT_IDS", CLIENT_ID.to_owned()),
        ("COGNITO_JWKS_URL", format!("{}{JWKS_PATH}", jwks.uri())),
        ("AUTHSIGNAL_API_URL", format!("{}/v1", authsignal.uri())),
        ("AUTHSIGNAL_SECRET_KEY", "sk_shutdown".to_owned()),
        ("SERVER_DRAIN_SECONDS", "5".to_owned()),
    ])
    .await;
    let token = key.sign_jwt(&valid_claims());
    let in_flight = tokio::spawn({
        let url = format!("{base_url}/v1/me/authenticators");
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    let pid = server.0.id().unwrap();
    let signalled = Instant::now();
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();

    let answered = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(answered.status(), 200);
    let exit = tokio::time::timeout(Duration::from_secs(5), server.0.wait())
        .await
        .expect("serve exits within the drain time")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(signalled.elapsed() < Duration::from_secs(5));
    assert!(
        TcpStream::connect(address(&base_url)).await.is_err(),
        "no new connections after shutdown"
    );
}
