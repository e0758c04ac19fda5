//! Define auth challenge: decides the next step of a Cognito custom-auth sign-in.

use cognito_authsignal::lambda::run_function;
use cognito_authsignal::triggers::lambda;

fn main() -> Result<(), lambda::Error> {
    run_function(lambda::run_define_auth_challenge())
}
