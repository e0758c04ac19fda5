//! Black box: the built `pre-sign-up` binary, driven through a local Lambda Runtime API with
//! events shaped as Cognito sends them, auto-confirms every user and marks as verified only
//! the contact attributes the user has.

use cognito_authsignal_test_support::runtime_api;

use runtime_api::{RuntimeApi, lambda_fixture as fixture};
use serde_json::json;

#[tokio::test]
async fn the_built_function_confirms_users_and_verifies_no_contact() {
    let with_email = fixture("pre-sign-up-email.json");
    let runtime = RuntimeApi::start(vec![
        ("req-email".to_owned(), with_email.clone()),
        (
            "req-no-attributes".to_owned(),
            fixture("pre-sign-up-no-attributes.json"),
        ),
    ])
    .await;
    // Pre sign-up needs no configuration at all.
    let _function = runtime.spawn(env!("CARGO_BIN_EXE_pre-sign-up"), "pre-sign-up", &[]);

    let outcomes = runtime.outcomes(2).await;

    let email = outcomes["req-email"].response();
    assert_eq!(
        email["response"],
        // The email is proved at the first sign-in, not by signing up.
        json!({ "autoConfirmUser": true, "autoVerifyEmail": false, "autoVerifyPhone": false }),
        "{email}"
    );
    assert_eq!(
        email["request"]["userAttributes"],
        with_email["request"]["userAttributes"]
    );
    assert_eq!(email["triggerSource"], "PreSignUp_SignUp");

    let bare = outcomes["req-no-attributes"].response();
    assert_eq!(
        bare["response"],
        json!({ "autoConfirmUser": true, "autoVerifyEmail": false, "autoVerifyPhone": false }),
        "{bare}"
    );
}
