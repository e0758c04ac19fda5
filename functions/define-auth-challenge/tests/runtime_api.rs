//! Black box: the built `define-auth-challenge` binary, driven through a local Lambda Runtime
//! API with events shaped as Cognito sends them, decides the next step of a passwordless
//! sign-in: the Authsignal challenge first, tokens after a correct answer, failure for an
//! unknown user.

use cognito_authsignal_test_support::runtime_api;

use runtime_api::{RuntimeApi, lambda_fixture as fixture};
use serde_json::json;

#[tokio::test]
async fn the_built_function_decides_each_round_of_a_passwordless_sign_in() {
    let first_round = fixture("define-auth-challenge-first-round.json");
    let runtime = RuntimeApi::start(vec![
        ("req-first-round".to_owned(), first_round.clone()),
        (
            "req-user-not-found".to_owned(),
            fixture("define-auth-challenge-user-not-found.json"),
        ),
        (
            "req-answered".to_owned(),
            fixture("define-auth-challenge-custom-challenge-succeeded.json"),
        ),
    ])
    .await;
    let _function = runtime.spawn(
        env!("CARGO_BIN_EXE_define-auth-challenge"),
        "define-auth-challenge",
        &[("SIGN_IN_MODE", "passwordless")],
    );

    let outcomes = runtime.outcomes(3).await;

    let first = outcomes["req-first-round"].response();
    assert_eq!(
        first["response"],
        json!({
            "challengeName": "CUSTOM_CHALLENGE",
            "issueTokens": false,
            "failAuthentication": false
        }),
        "{first}"
    );
    // Cognito gets its event back with only the response filled in.
    assert_eq!(first["request"], first_round["request"]);
    assert_eq!(first["triggerSource"], "DefineAuthChallenge_Authentication");
    assert_eq!(first["userName"], first_round["userName"]);

    let unknown = outcomes["req-user-not-found"].response();
    assert_eq!(unknown["response"]["failAuthentication"], true, "{unknown}");
    assert_eq!(unknown["response"]["issueTokens"], false, "{unknown}");

    let answered = outcomes["req-answered"].response();
    assert_eq!(answered["response"]["issueTokens"], true, "{answered}");
    assert_eq!(
        answered["response"]["failAuthentication"], false,
        "{answered}"
    );
}
