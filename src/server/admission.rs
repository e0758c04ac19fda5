//! Which connections the server holds when it is at its cap. A client that opens connections and
//! sends nothing (or half a request head, or nothing more after one request) would otherwise
//! hold every slot until the header-read timeout, while everyone else waits in the listen queue.
//! So at the cap a new connection closes the oldest connection with no request in flight; a
//! connection whose request is being read, handled or answered is never closed for another. An
//! optional per-peer cap keeps one client IP from taking most of the slots in the first place.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::{Request, Response};
use hyper_util::service::{TowerToHyperService, TowerToHyperServiceFuture};
use tokio::sync::{AcquireError, Notify, OwnedSemaphorePermit, Semaphore};

/// When the connection chosen to make room starts a request before it is closed (it is then
/// left alone), or when every connection has a request in flight: how long the newcomer waits
/// for a slot before looking for another connection to close.
const EVICTION_RETRY: Duration = Duration::from_millis(100);

/// No request in flight: the head of the first request is incomplete, or the connection is
/// idle between requests (keep-alive).
const WAITING: u8 = 0;
/// A request's head has arrived, and hyper has not yet taken the last frame of its response.
const BUSY: u8 = 1;
/// Waiting, and already chosen to be closed for a newcomer (so it is not chosen twice).
const CHOSEN: u8 = 2;

/// One connection's state, shared by its task (which closes it), its service (which marks its
/// requests) and the acceptor (which chooses whom to close).
pub struct ConnectionActivity {
    state: AtomicU8,
    evict: Notify,
}

impl ConnectionActivity {
    /// Whether a request's head has arrived and its response has not been sent. This only
    /// changes while the connection's own task polls the connection (hyper calls the service and
    /// drops the response body there), so when that task reads it between polls the answer
    /// holds until it polls again.
    pub fn has_request_in_flight(&self) -> bool {
        // One variable; `Notify` orders the acceptor's write before the task's wake-up.
        self.state.load(Ordering::Relaxed) == BUSY
    }

    /// Resolves when the acceptor wants this connection closed to make room.
    pub async fn eviction_requested(&self) {
        self.evict.notified().await;
    }

    fn begin_request(&self) {
        self.state.store(BUSY, Ordering::Relaxed);
    }

    fn end_request(&self) {
        self.state.store(WAITING, Ordering::Relaxed);
    }

    /// Marks a waiting connection as chosen and asks its task to close it; `false` when it has
    /// a request in flight or was chosen already.
    fn request_eviction(&self) -> bool {
        let chosen = self
            .state
            .compare_exchange(WAITING, CHOSEN, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok();
        if chosen {
            self.evict.notify_one();
        }
        chosen
    }
}

/// The connections being served, oldest first, and the slots they hold.
pub struct OpenConnections {
    slots: Arc<Semaphore>,
    max_per_peer: Option<usize>,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    next_id: u64,
    /// By accept order: ids only grow, so the first entry is the oldest connection.
    by_age: BTreeMap<u64, (IpAddr, Arc<ConnectionActivity>)>,
    per_peer: HashMap<IpAddr, usize>,
}

/// What a newly accepted connection gets.
pub enum Admission {
    Admitted(Slot),
    /// Its peer is at the per-peer cap with a request in flight on every connection: close it.
    Refused,
}

/// A connection's place among the open ones; dropping it (when the connection ends) frees it.
pub struct Slot {
    pub activity: Arc<ConnectionActivity>,
    id: u64,
    peer: IpAddr,
    open: Arc<OpenConnections>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock();
        open.by_age.remove(&self.id);
        if let Some(count) = open.per_peer.get_mut(&self.peer) {
            *count -= 1;
            if *count == 0 {
                open.per_peer.remove(&self.peer);
            }
        }
    }
}

impl OpenConnections {
    pub fn new(max_connections: usize, max_per_peer: Option<usize>) -> Arc<Self> {
        Arc::new(OpenConnections {
            slots: Arc::new(Semaphore::new(max_connections)),
            max_per_peer,
            open: Mutex::new(Open::default()),
        })
    }

    /// A slot for a connection just accepted from `peer`: a free one, or one made by closing
    /// the oldest connection with no request in flight (the peer's own when it is at the
    /// per-peer cap). Waits while every connection has a request in flight.
    pub async fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Admission, AcquireError> {
        let mut made_room = false;
        if let Some(max_per_peer) = self.max_per_peer {
            let held = self.lock().per_peer.get(&peer).copied().unwrap_or(0);
            if held >= max_per_peer {
                if !self.evict_oldest_waiting(Some(peer)) {
                    return Ok(Admission::Refused);
                }
                // The connection closed for this one frees a slot too: wait for it first.
                made_room = true;
            }
        }
        let permit = loop {
            if let Ok(permit) = self.slots.clone().try_acquire_owned() {
                break permit;
            }
            if !made_room {
                self.evict_oldest_waiting(None);
            }
            made_room = false;
            match tokio::time::timeout(EVICTION_RETRY, self.slots.clone().acquire_owned()).await {
                Ok(permit) => break permit?,
                Err(_) => continue,
            }
        };
        let mut open = self.lock();
        let id = open.next_id;
        open.next_id += 1;
        let activity = Arc::new(ConnectionActivity {
            state: AtomicU8::new(WAITING),
            evict: Notify::new(),
        });
        open.by_age.insert(id, (peer, activity.clone()));
        *open.per_peer.entry(peer).or_insert(0) += 1;
        Ok(Admission::Admitted(Slot {
            activity,
            id,
            peer,
            open: self.clone(),
            _permit: permit,
        }))
    }

    /// Asks the oldest connection with no request in flight (from `peer` only, when given) to
    /// close; `false` when there is none.
    fn evict_oldest_waiting(&self, peer: Option<IpAddr>) -> bool {
        self.lock()
            .by_age
            .values()
            .filter(|(from, _)| peer.is_none_or(|peer| peer == *from))
            .any(|(_, activity)| activity.request_eviction())
    }

    /// The critical sections only move entries and counters and cannot panic half-way, so a
    /// poisoned lock (a panic elsewhere while holding it) still guards consistent data.
    fn lock(&self) -> MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The router as one connection's hyper service, marking the connection busy from each
/// request's head until hyper has taken the last frame of its response.
pub struct TrackRequests {
    router: TowerToHyperService<Router>,
    activity: Arc<ConnectionActivity>,
}

impl TrackRequests {
    pub fn new(router: Router, activity: Arc<ConnectionActivity>) -> Self {
        TrackRequests {
            router: TowerToHyperService::new(router),
            activity,
        }
    }
}

impl hyper::service::Service<Request<Incoming>> for TrackRequests {
    type Response = Response<BusyUntilSent>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        self.activity.begin_request();
        ResponseFuture {
            response: self.router.call(request),
            busy: Some(Busy(self.activity.clone())),
        }
    }
}

/// Marks its connection waiting again when dropped: with the response body once hyper has taken
/// its last frame, or with the request's future if the connection ends first.
struct Busy(Arc<ConnectionActivity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.end_request();
    }
}

/// The router's response future; when it resolves, the busy mark moves into the response body.
pub struct ResponseFuture {
    response: TowerToHyperServiceFuture<Router, Request<Incoming>>,
    busy: Option<Busy>,
}

impl Future for ResponseFuture {
    type Output = Result<Response<BusyUntilSent>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let response = ready!(Pin::new(&mut this.response).poll(cx))?;
        let busy = this.busy.take();
        Poll::Ready(Ok(response.map(|body| BusyUntilSent { body, _busy: busy })))
    }
}

/// A response body that keeps its connection marked busy until hyper drops it, which it does
/// once it has taken the last frame into its write buffer.
pub struct BusyUntilSent {
    body: Body,
    _busy: Option<Busy>,
}

impl hyper::body::Body for BusyUntilSent {
    type Data = hyper::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
