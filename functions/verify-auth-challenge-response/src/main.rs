//! Verify auth challenge response: checks the Authsignal validation token a client answered with.

use cognito_authsignal::lambda::run_function;
use cognito_authsignal::triggers::lambda;

fn main() -> Result<(), lambda::Error> {
    run_function(lambda::run_verify_auth_challenge_response())
}
