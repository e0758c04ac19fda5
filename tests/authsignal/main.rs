//! Integration tests for the Authsignal adapter, the emulator and its fidelity to the SDKs.

mod client;
mod emulator;
mod node_sdk;
