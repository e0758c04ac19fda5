//! Lambda function serving /v1/me/... behind API Gateway (HTTP API, payload v2).

use cognito_authsignal::api::Surface;
use cognito_authsignal::lambda;

fn main() -> Result<(), lambda::Error> {
    lambda::run_function(lambda::run_http(Surface::Account))
}
