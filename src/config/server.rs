//! How `serve` (and `dev`) treat client connections. `serve` is what runs in a container behind
//! a load balancer, where nothing in front of it cuts slow or greedy clients off.

use std::time::Duration;

use super::{ConfigError, ConfigProblem, bounded, finish, report};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// `SERVER_HEADER_READ_TIMEOUT_SECONDS` (default 10): how long a client may take to send a
    /// request's headers, then its body (408 after that), and how long an idle keep-alive
    /// connection stays open.
    pub header_read_timeout: Duration,
    /// `SERVER_MAX_CONNECTIONS` (default 1024): connections served at once. At the cap a new
    /// connection closes the oldest one with no request in flight; when every connection has
    /// one, it waits. Lowered at start when the open-files limit leaves no room for it.
    pub max_connections: usize,
    /// `SERVER_MAX_CONNECTIONS_PER_PEER` (default 0, off): connections one client IP may hold.
    /// Behind a load balancer every connection comes from the balancer, so leave it off there.
    pub max_connections_per_peer: Option<usize>,
    /// `SERVER_MAX_HEADER_BYTES` (default 16384): larger request headers get 431.
    pub max_header_bytes: usize,
    /// `SERVER_DRAIN_SECONDS` (default 20): on SIGTERM, how long in-flight requests may finish.
    pub drain_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_connections_per_peer: None,
            max_header_bytes: 16 * 1024,
            drain_timeout: Duration::from_secs(20),
        }
    }
}

impl ServerConfig {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let defaults = ServerConfig::default();
        let mut problems: Vec<ConfigProblem> = Vec::new();
        let mut read = |name: &'static str, default: u64, range, unit: &str| {
            bounded(lookup(name), default, range, unit)
                .map_err(|message| report(&mut problems, name, message))
                .ok()
        };
        let header_read_timeout = read(
            "SERVER_HEADER_READ_TIMEOUT_SECONDS",
            defaults.header_read_timeout.as_secs(),
            1..=300,
            "seconds",
        );
        let max_connections = read(
            "SERVER_MAX_CONNECTIONS",
            defaults.max_connections as u64,
            1..=100_000,
            "a number of connections",
        );
        let max_connections_per_peer = read(
            "SERVER_MAX_CONNECTIONS_PER_PEER",
            0,
            0..=100_000,
            "a number of connections (0 for no per-peer cap)",
        );
        let max_header_bytes = read(
            "SERVER_MAX_HEADER_BYTES",
            defaults.max_header_bytes as u64,
            1_024..=65_536,
            "bytes",
        );
        let drain_timeout = read(
            "SERVER_DRAIN_SECONDS",
            defaults.drain_timeout.as_secs(),
            1..=120,
            "seconds",
        );
        let config = (|| {
            Some(ServerConfig {
                header_read_timeout: Duration::from_secs(header_read_timeout?),
                max_connections: usize::try_from(max_connections?).ok()?,
                max_connections_per_peer: match max_connections_per_peer? {
                    0 => None,
                    cap => Some(usize::try_from(cap).ok()?),
                },
                max_header_bytes: usize::try_from(max_header_bytes?).ok()?,
                drain_timeout: Duration::from_secs(drain_timeout?),
            })
        })();
        finish(config, problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::lookup;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            ServerConfig::from_lookup(lookup(&[])),
            Ok(ServerConfig::default())
        );
        let tuned = ServerConfig::from_lookup(lookup(&[
            ("SERVER_HEADER_READ_TIMEOUT_SECONDS", "3"),
            ("SERVER_MAX_CONNECTIONS", "50"),
            ("SERVER_MAX_CONNECTIONS_PER_PEER", "10"),
            ("SERVER_MAX_HEADER_BYTES", "8192"),
            ("SERVER_DRAIN_SECONDS", "5"),
        ]))
        .unwrap();
        assert_eq!(tuned.header_read_timeout, Duration::from_secs(3));
        assert_eq!(tuned.max_connections, 50);
        assert_eq!(tuned.max_connections_per_peer, Some(10));
        assert_eq!(tuned.max_header_bytes, 8192);
        assert_eq!(tuned.drain_timeout, Duration::from_secs(5));
        let error = ServerConfig::from_lookup(lookup(&[
            ("SERVER_HEADER_READ_TIMEOUT_SECONDS", "0"),
            ("SERVER_MAX_CONNECTIONS_PER_PEER", "-1"),
            ("SERVER_MAX_HEADER_BYTES", "1000000"),
        ]))
        .unwrap_err();
        let variables: Vec<_> = error.problems.iter().map(|p| p.variable).collect();
        assert_eq!(
            variables,
            vec![
                "SERVER_HEADER_READ_TIMEOUT_SECONDS",
                "SERVER_MAX_CONNECTIONS_PER_PEER",
                "SERVER_MAX_HEADER_BYTES"
            ]
        );
        let off = ServerConfig::from_lookup(lookup(&[("SERVER_MAX_CONNECTIONS_PER_PEER", "0")]));
        assert_eq!(off.map(|c| c.max_connections_per_peer), Ok(None));
    }
}
