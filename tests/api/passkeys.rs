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
const GOOGLE_PASSWORD_MANAGER: &str = "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4";

#[tokio::test]
async fn a_passkey_enrolled_through_the_api_signs_in_to_cognito_and_steps_up() {
    let dev = DevServer::start(&[]).await;
    let local = LocalClient::new(&dev.base_url);
    let port = dev.base_url.rsplit_once(':').unwrap().1;
    let mut passkey = SoftPasskey::new("localhost", &format!("http://localhost:{port}"));
    // Google Password Manager's, synced.
    passkey.aaguid = *uuid::Uuid::parse_str(GOOGLE_PASSWORD_MANAGER)
        .unwrap()
        .as_bytes();
    passkey.backup_eligible = true;
    passkey.backed_up = true;
    let email = "passkey-e2e@example.com";

    // Sign up, then the first sign-in with an email code (which enrolls the email).
    let (sub, tokens) = local.sign_up_and_in(CLIENT_ID, "pk-user", email).await;
    let access = tokens["AccessToken"].as_str().unwrap().to_owned();

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
    let (status, added) = passkey
        .enroll(&local, enrollment, "pk-user", Fault::None)
        .await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["isVerified"], true, "{added}");
    let listed = local.list(&access).await;
    let methods: Vec<&str> = listed
        .iter()
        .map(|a| a["verificationMethod"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["EMAIL_OTP", "PASSKEY"], "{listed:?}");
    // Named after its provider (the AAGUID in the bundled list), with its sync state.
    let listed_passkey = &listed[1];
    assert_eq!(listed_passkey["displayName"], "Google Password Manager");
    assert_eq!(listed_passkey["aaguid"], GOOGLE_PASSWORD_MANAGER);
    assert_eq!(listed_passkey["backupEligible"], true);
    assert_eq!(listed_passkey["backedUp"], true);
    assert_eq!(listed_passkey["credentialId"], passkey.credential_id_b64());
    assert!(listed_passkey["createdAt"].is_string(), "{listed_passkey}");
    assert!(
        listed_passkey["lastVerifiedAt"].is_string(),
        "{listed_passkey}"
    );
    // What the browser needs to prune other passkeys for this user: the handle the passkey was
    // registered with (the emulator's registration options) is the one the API names.
    let response = local
        .call(Method::GET, "/v1/me/authenticators", &access, None)
        .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["passkeys"],
        json!({ "rpId": "localhost", "userHandle": passkey.user_handle, "credentialIds": [passkey.credential_id_b64()] })
    );
    assert!(passkey.user_handle.is_some());

    // Sign in again, answering Cognito's challenge with the passkey.
    let (status, started) = local
        .cognito(
            "InitiateAuth",
            json!({ "ClientId": CLIENT_ID, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": { "USERNAME": "pk-user" } }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    let token = started["ChallengeParameters"]["token"].as_str().unwrap();
    let verified = passkey.sign_in(&local, token, Fault::None).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    let (status, signed_in) = local
        .cognito(
            "RespondToAuthChallenge",
            json!({ "ClientId": CLIENT_ID, "ChallengeName": "CUSTOM_CHALLENGE", "Session": started["Session"],
                    "ChallengeResponses": { "USERNAME": "pk-user", "ANSWER": verified["accessToken"] } }),
        )
        .await;
    assert_eq!(status, 200, "{signed_in}");
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
    let stepped_up = passkey
        .sign_in(&local, challenge["token"].as_str().unwrap(), Fault::None)
        .await;
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
    assert_eq!(removed.status(), 200);
    let answer: Value = removed.json().await.unwrap();
    assert_eq!(
        answer["passkeys"]["credentialIds"],
        json!([passkey.credential_id_b64()])
    );
    let left = local.list(&access).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["verificationMethod"], "PASSKEY");
}
