//! What an authenticator app does with the secret it was given: RFC 6238 codes (SHA-1, six
//! digits, 30-second steps), computed here with `totp-rs` at a given time.

use totp_rs::{Algorithm, Builder, Secret};

/// The code for `unix_seconds` from a base32 `secret`.
pub fn totp_code(secret_base32: &str, unix_seconds: u64) -> String {
    let secret = Secret::try_from_base32(secret_base32).expect("a base32 secret");
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(secret)
        .build()
        .expect("a valid TOTP")
        .generate(unix_seconds)
        .to_string()
}
