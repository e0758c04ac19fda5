//! Pre sign-up: auto-confirms users; verifies email and phone only when present.

use cognito_authsignal::lambda::run_function;
use cognito_authsignal::triggers::lambda;

fn main() -> Result<(), lambda::Error> {
    run_function(lambda::run_pre_sign_up())
}
