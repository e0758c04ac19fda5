//! Define auth challenge: decides the next step of a Cognito custom-auth sign-in.

use cognito_authsignal::triggers::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda::Error> {
    lambda::run_define_auth_challenge().await
}
