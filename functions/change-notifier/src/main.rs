//! Emails a user about each change to their sign-in methods (EventBridge → SES).

use cognito_authsignal::lambda;

fn main() -> Result<(), lambda::Error> {
    lambda::run_function(lambda::run_change_notifier())
}
