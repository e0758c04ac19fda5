//! A passkey end to end through the real `dev` binary, answered by a software authenticator:
//! enrolled with an enrollment token from the API, listed by the API as `PASSKEY`, answering
//! the Cognito sign-in challenge (Create → the emulator → Verify), and standing in for a recent
//! sign-in through the step-up. The same paths in Chromium: `web_app.rs`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::dev::DevServer;
use crate::local_client::LocalClient;
use crate::soft_passkey::{Fault, SoftPasskey};

const CLIENT_ID: &str = "localdevclient";

async fn cognito(local: &LocalClient, operation: &str, body: Value) -> Value {
    let response = local
        .http
        .post(format!("{}/local/cognito/", local.base_url))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{operation}"),
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{operation}: {body}");
    body
}

/// Runs a passkey ceremony for an Authsignal client `token` as `passkey.signIn({token})` does;
/// returns the verify answer.
async fn passkey_sign_in(local: &LocalClient, token: &str, passkey: &mut SoftPasskey) -> Value {
    let options = local
        .client_api(
            "user-authenticators/passkey/authentication-options",
            token,
            Some(json!({})),
        )
        .await;
    let credential = passkey.assert(&options["options"], Fault::None);
    local
        .client_api(
            "verify/passkey",
            token,
            Some(json!({ "authenticationCredential": credential, "challengeId": options["challengeId"] })),
        )
        .await
}

#[tokio::test]
async fn a_passkey_enrolled_through_the_api_signs_in_to_cognito_and_steps_up() {
    let dev = DevServer::start(&[]).await;
    let local = LocalClient::new(&dev.base_url);
    let port = dev.base_url.rsplit_once(':').unwrap().1;
    let mut passkey = SoftPasskey::new("localhost", &format!("http://localhost:{port}"));
    let email = "passkey-e2e@example.com";

    // Sign up, then the first sign-in with an email code (which enrolls the email).
    let signed_up = cognito(
        &local,
        "SignUp",
        json!({ "ClientId": CLIENT_ID, "Username": "pk-user", "Password": "Passw0rd!",
                "UserAttributes": [{ "Name": "email", "Value": email }] }),
    )
    .await;
    let sub = signed_up["UserSub"].as_str().unwrap().to_owned();
    let started = cognito(
        &local,
        "InitiateAuth",
        json!({ "ClientId": CLIENT_ID, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": { "USERNAME": "pk-user" } }),
    )
    .await;
    let answer = local
        .answer_email_challenge(
            started["ChallengeParameters"]["token"].as_str().unwrap(),
            email,
        )
        .await;
    let signed_in = cognito(
        &local,
        "RespondToAuthChallenge",
        json!({ "ClientId": CLIENT_ID, "ChallengeName": "CUSTOM_CHALLENGE", "Session": started["Session"],
                "ChallengeResponses": { "USERNAME": "pk-user", "ANSWER": answer } }),
    )
    .await;
    let access = signed_in["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    // Add a passkey with an enrollment token from the API.
    let response = local
        .call(
            Method::POST,
            "/v1/me/authenticators/enrollment-token",
            &access,
            Some(json!({})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let enrollment: Value = response.json().await.unwrap();
    let enrollment = enrollment["token"].as_str().unwrap();
    let options = local
        .client_api(
            "user-authenticators/passkey/registration-options",
            enrollment,
            Some(json!({ "username": "pk-user" })),
        )
        .await;
    let credential = passkey.register(&options["options"], Fault::None);
    let added = local
        .client_api(
            "user-authenticators/passkey",
            enrollment,
            Some(json!({ "registrationCredential": credential, "challengeId": options["challengeId"] })),
        )
        .await;
    assert_eq!(added["isVerified"], true, "{added}");
    let listed = local.list(&access).await;
    let methods: Vec<&str> = listed
        .iter()
        .map(|a| a["verificationMethod"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["EMAIL_OTP", "PASSKEY"], "{listed:?}");

    // Sign in again, answering Cognito's challenge with the passkey.
    let started = cognito(
        &local,
        "InitiateAuth",
        json!({ "ClientId": CLIENT_ID, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": { "USERNAME": "pk-user" } }),
    )
    .await;
    let token = started["ChallengeParameters"]["token"].as_str().unwrap();
    let verified = passkey_sign_in(&local, token, &mut passkey).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    let signed_in = cognito(
        &local,
        "RespondToAuthChallenge",
        json!({ "ClientId": CLIENT_ID, "ChallengeName": "CUSTOM_CHALLENGE", "Session": started["Session"],
                "ChallengeResponses": { "USERNAME": "pk-user", "ANSWER": verified["accessToken"] } }),
    )
    .await;
    let result = &signed_in["AuthenticationResult"];
    assert!(result["AccessToken"].is_string(), "{signed_in}");

    // An hour-old sign-in removes the email only after a passkey step-up.
    let stale = local.mint(&sub, &[], 3600).await;
    let email_id = listed[0]["id"].as_str().unwrap();
    let path = format!("/v1/me/authenticators/{email_id}");
    let refused = local.call(Method::DELETE, &path, &stale, None).await;
    assert_eq!(refused.status(), 403);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "reauthentication_required");
    let response = local
        .call(
            Method::POST,
            "/v1/me/step-up",
            &stale,
            Some(json!({ "operation": "removeAuthenticator" })),
        )
        .await;
    let challenge: Value = response.json().await.unwrap();
    let stepped_up =
        passkey_sign_in(&local, challenge["token"].as_str().unwrap(), &mut passkey).await;
    assert_eq!(stepped_up["isVerified"], true, "{stepped_up}");
    let validation = stepped_up["accessToken"].as_str().unwrap();
    let removed = local
        .call_with(
            Method::DELETE,
            &path,
            &stale,
            None,
            &[("Authsignal-Validation-Token", validation)],
        )
        .await;
    assert_eq!(removed.status(), 204);
    let left = local.list(&access).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["verificationMethod"], "PASSKEY");
}
