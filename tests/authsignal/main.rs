//! Integration tests for the Authsignal adapter, the emulator and its fidelity to the SDKs.

mod client;
mod emulator;
#[path = "../common/local_client.rs"]
mod local_client;
mod node_sdk;
mod passkeys;
#[path = "../common/soft_passkey.rs"]
mod soft_passkey;
