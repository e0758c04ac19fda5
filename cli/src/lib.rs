//! What the `cognito-authsignal` command runs beyond the product library: `dev`, which plugs the
//! product into the local stack (its triggers into the local user pool, its ports into the
//! emulator and moto) and serves both through the product's own server loop.

#[cfg(feature = "dev")]
pub mod dev;
#[cfg(feature = "dev")]
pub mod triggers;
