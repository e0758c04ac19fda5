//! Log set-up: JSON lines (CloudWatch-friendly) or human-readable text, filtered by `RUST_LOG`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line, without timestamps (Lambda adds its own).
    Json,
    /// Readable lines, coloured only when stderr is a terminal (a log file or a test's pipe
    /// gets no escape codes).
    Pretty,
}

/// Installs the global subscriber. Safe to call more than once (later calls are ignored).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().without_time().flatten_event(true).try_init(),
        LogFormat::Pretty => builder
            .compact()
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}
