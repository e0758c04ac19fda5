//! Create auth challenge: starts the Authsignal challenge for a Cognito sign-in.

use cognito_authsignal::triggers::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda::Error> {
    lambda::run_create_auth_challenge().await
}
