//! What a server facing clients directly must refuse, black-box against the binary (`dev`
//! serves through the same connection handling as `serve`): slow and idle connections are cut
//! off, a cap on connections holds, oversized headers get 431 and oversized bodies 413 (and the
//! client really receives them).

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::moto::spawn_serve;
use crate::moto_server::free_port;

use crate::dev;

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
    let mut stream = TcpStream::connect(address).await.unwrap();
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

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_one() {
    // `serve`, not `dev`: dev's own clients keep connections to itself (JWKS, emulator).
    let closed = format!("http://127.0.0.1:{}", free_port());
    let (_serve, base_url) = spawn_serve(&[
        ("COGNITO_USER_POOL_ID", "eu-west-1_Cap".to_owned()),
        ("COGNITO_CLIENT_IDS", "capclient".to_owned()),
        ("COGNITO_JWKS_URL", format!("{closed}/jwks.json")),
        ("AUTHSIGNAL_API_URL", format!("{closed}/v1")),
        ("AUTHSIGNAL_SECRET_KEY", "sk_cap".to_owned()),
        ("SERVER_MAX_CONNECTIONS", "2".to_owned()),
        ("SERVER_HEADER_READ_TIMEOUT_SECONDS", "30".to_owned()),
    ])
    .await;
    let address = address(&base_url);
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream.write_all(b"GET /health HTTP/1.1\r\n").await.unwrap();
        holders.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let third = tokio::spawn(reqwest::get(format!("{base_url}/health")));
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
    use crate::helpers::{CLIENT_ID, JWKS_PATH, POOL_ID, serve_jwks, valid_claims};
    use wiremock::matchers::path_regex;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let key = cognito_authsignal::local::keys::SigningKey::generate("shutdown-key");
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
