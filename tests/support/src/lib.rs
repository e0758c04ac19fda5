//! What the tests of every crate in the workspace share, in one crate rather than files
//! included by path: the runner of the real `dev` binary, the HTTP client of a local stack,
//! `moto_server`, a Lambda Runtime API stub for the function binaries, a software passkey, and
//! the whole local stack in process (`stack`).

pub mod authenticator_app;
pub mod dev;
pub mod local_client;
pub mod moto;
pub mod runtime_api;
pub mod soft_passkey;
pub mod stack;

use std::path::PathBuf;

/// The workspace's root directory (where `.venv`, `tests/` and `examples/` are).
pub fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}
