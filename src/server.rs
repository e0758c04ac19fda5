//! The server loop every process and test serves through (via `app::App::serve`): connection
//! limits, header limits, a bounded drain; and the listener it serves on.

mod admission;
pub mod open_files;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::response::IntoResponse;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpSocket};

use self::admission::{Admission, OpenConnections, TrackRequests};

use crate::api::json::BodyDeadline;
use crate::api::problem::ApiError;
use crate::config::ServerConfig;

/// How many connections the kernel queues for `accept` (capped by `net.core.somaxconn`, 4096 by
/// default since Linux 5.4). The usual 128 overflows when a client reopens connections as fast as
/// the server closes them to make room; the kernel then drops every client's new connections,
/// which retry only after one second, then three.
const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr`, as `TcpListener::bind` makes it but with [`LISTEN_BACKLOG`].
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // Rebinding right after a restart, despite connections in TIME_WAIT (not on Windows, where
    // it would let another process take the port).
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves `app` on `listener` until `shutdown`, with the limits a server facing clients
/// directly needs: a deadline for each request's headers (which also closes idle keep-alive
/// connections), a cap on concurrent connections (at the cap a newcomer closes the oldest
/// connection with no request in flight, or waits when every one has a request in flight; the
/// cap is kept under the open-files limit), an optional cap per client IP, a cap on header size
/// (431 problem+json; a hard stop at four times that, answered by hyper itself), and a bounded
/// drain of in-flight requests on shutdown.
pub(crate) async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: &ServerConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let draining = Arc::new(AtomicBool::new(false));
    let app = app
        .layer(axum::middleware::from_fn_with_state(
            limits.max_header_bytes,
            limit_header_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            draining.clone(),
            close_when_draining,
        ))
        .layer(axum::middleware::from_fn_with_state(
            limits.header_read_timeout,
            set_body_deadline,
        ));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes * 4)
        .max_buf_size((limits.max_header_bytes * 4).max(64 * 1024));
    let connections = OpenConnections::new(
        max_connections_within_open_files_limit(limits.max_connections),
        limits.max_connections_per_peer,
    );
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Accepted before a slot is free, so that at the cap there is a newcomer to make room
        // for; while it waits, further clients wait in the listen queue.
        let admitted = tokio::select! {
            admitted = connections.admit(peer.ip()) => admitted.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let slot = match admitted {
            Admission::Admitted(slot) => slot,
            // Dropping the stream closes it.
            Admission::Refused => continue,
        };
        let service = TrackRequests::new(app.clone(), slot.activity.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            loop {
                tokio::select! {
                    // The connection first: a request whose bytes have arrived is read (and
                    // marks the connection busy) before a request to close it is looked at.
                    biased;
                    // Errors here are the client's doing (timeouts, resets, bad requests).
                    _ = &mut connection => break,
                    // Chosen to make room: close it (dropping it closes the socket) unless a
                    // request arrived since, which is then served (the newcomer looks for
                    // another). A request still on its way at that moment meets the race every
                    // keep-alive close has, which HTTP clients retry.
                    () = slot.activity.eviction_requested() => {
                        if !slot.activity.has_request_in_flight() {
                            break;
                        }
                    }
                }
            }
            drop(slot);
        });
    }
    // Shutting down: no new connections. For a moment, keep answering on the open ones with
    // `Connection: close`, so a client that already sent its next request on an idle
    // keep-alive connection gets its answer instead of a closed socket; then close what is
    // idle and let in-flight requests finish.
    drop(listener);
    draining.store(true, Ordering::Relaxed);
    tokio::time::sleep(DRAIN_LINGER.min(limits.drain_timeout)).await;
    match tokio::time::timeout(limits.drain_timeout, graceful.shutdown()).await {
        Ok(()) => tracing::info!("all connections drained"),
        Err(_) => tracing::warn!(
            drain = ?limits.drain_timeout,
            "in-flight requests still running at the end of the drain time"
        ),
    }
    Ok(())
}

/// `max_connections`, or fewer when the open-files limit (raised to its hard limit first) has no
/// room for them: past that limit `accept` fails and clients wait however idle the open
/// connections are.
fn max_connections_within_open_files_limit(max_connections: usize) -> usize {
    let Some(open_files_limit) = open_files::raise_to_hard_limit() else {
        return max_connections;
    };
    let cap = open_files::connection_cap(max_connections, open_files_limit);
    if cap < max_connections {
        tracing::warn!(
            max_connections,
            open_files_limit,
            serving_at_most = cap,
            "SERVER_MAX_CONNECTIONS={max_connections} does not fit the open-files limit of \
             {open_files_limit} ({} kept for outbound connections and files): serving at most \
             {cap} connections. Set SERVER_MAX_CONNECTIONS to {cap} or less, or raise the hard \
             open-files limit (ulimit -Hn, systemd LimitNOFILE, docker --ulimit nofile) to {} \
             or more",
            open_files::RESERVED_FILES,
            max_connections as u64 + open_files::RESERVED_FILES,
        );
    }
    cap
}

/// How long, at shutdown, open connections keep being answered (with `Connection: close`)
/// before idle ones are closed.
const DRAIN_LINGER: Duration = Duration::from_millis(500);

/// Once shutdown has begun, every response closes its connection.
async fn close_when_draining(
    axum::extract::State(draining): axum::extract::State<Arc<AtomicBool>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    if draining.load(Ordering::Relaxed) {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

/// Gives each request until `limit` from now to send its body ([`BodyDeadline`]); a body that
/// misses it gets 408, and the connection is closed (what is left of the body never arrives).
async fn set_body_deadline(
    axum::extract::State(limit): axum::extract::State<Duration>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    request
        .extensions_mut()
        .insert(BodyDeadline(tokio::time::Instant::now() + limit));
    let mut response = next.run(request).await;
    if response.status() == axum::http::StatusCode::REQUEST_TIMEOUT {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

/// 431 problem+json for request headers larger than the limit (name, value and separators).
async fn limit_header_bytes(
    axum::extract::State(max_bytes): axum::extract::State<usize>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let size: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if size > max_bytes {
        // Answered before the router, so it gets the header every response has here.
        let mut response = ApiError::HeadersTooLarge.into_response();
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        return response;
    }
    next.run(request).await
}

/// Resolves on SIGTERM (what Lambda, ECS and Kubernetes send) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
