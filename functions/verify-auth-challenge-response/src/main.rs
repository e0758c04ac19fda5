//! Verify auth challenge response: checks the Authsignal validation token a client answered with.

use cognito_authsignal::triggers::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda::Error> {
    lambda::run_verify_auth_challenge_response().await
}
