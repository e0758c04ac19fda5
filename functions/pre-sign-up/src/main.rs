//! Pre sign-up: auto-confirms users; verifies email and phone only when present.

use cognito_authsignal::triggers::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda::Error> {
    lambda::run_pre_sign_up().await
}
