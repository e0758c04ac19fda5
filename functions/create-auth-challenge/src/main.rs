//! Create auth challenge: starts the Authsignal challenge for a Cognito sign-in.

use cognito_authsignal::lambda::run_function;
use cognito_authsignal::triggers::lambda;

fn main() -> Result<(), lambda::Error> {
    run_function(lambda::run_create_auth_challenge())
}
