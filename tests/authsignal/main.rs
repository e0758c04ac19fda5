//! Integration tests for the Authsignal adapter, the emulator and its fidelity to the SDKs.

mod client;
mod codes;
mod emulator;
use cognito_authsignal_test_support::{authenticator_app, local_client};
mod node_sdk;
mod passkeys;
use cognito_authsignal_test_support::soft_passkey;
