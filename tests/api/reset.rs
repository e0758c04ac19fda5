//! The help desk's reset (`POST /v1/admin/users/{userId}/reset`) against the real `dev` binary:
//! the user is signed out everywhere and loses every authenticator, a retry does no harm, the
//! next sign-in can only prove the user's own Cognito email, and only the admin group may ask,
//! with a bounded reason.

use reqwest::Method;
use serde_json::{Value, json};

use crate::dev::DevServer;
use crate::local_client::LocalClient;

const CLIENT_ID: &str = "localdevclient";
const ADMIN_GROUP: &str = "authenticator-admins";

async fn reset(local: &LocalClient, token: &str, user: &str, body: Value) -> (u16, Value) {
    let response = local
        .call(
            Method::POST,
            &format!("/v1/admin/users/{user}/reset"),
            token,
            Some(body),
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn reason() -> Value {
    json!({ "reasonCode": "lost_device", "reason": "Lost the phone; identity checked by video call." })
}

/// A reason an admin typed with the user's contact details in it.
fn reason_with_contacts() -> Value {
    json!({ "reasonCode": "lost_device", "reason": "Called from +44 7700 900123, mail reset-me@example.com." })
}

#[tokio::test]
async fn a_reset_signs_out_removes_everything_and_the_next_sign_in_proves_the_users_own_email() {
    // Info level, for the audit line.
    let dev = DevServer::start(&[("RUST_LOG", "info")]).await;
    let local = LocalClient::new(&dev.base_url);
    let email = "reset-me@example.com";
    let (sub, tokens) = local.sign_up_and_in(CLIENT_ID, "reset-me", email).await;
    let access = tokens["AccessToken"].as_str().unwrap();
    local
        .enroll_email(access, "reset-me-work@example.com")
        .await;
    assert_eq!(local.list(access).await.len(), 2);
    let admin = local.mint("helpdesk-r1", &[ADMIN_GROUP], 0).await;

    let (status, done) = reset(&local, &admin, &sub, reason_with_contacts()).await;
    assert_eq!(status, 200, "{done}");
    // The audit line has the reason, without the contact details typed into it.
    let audit = dev
        .logs()
        .into_iter()
        .find(|line| line.contains("user_reset"))
        .expect("an audit line for the reset");
    assert!(
        audit.contains("lost_device") && audit.contains("[redacted"),
        "{audit}"
    );
    assert!(
        !audit.contains("reset-me@example.com") && !audit.contains("900123"),
        "{audit}"
    );
    assert_eq!(done["userId"], sub.as_str());
    assert_eq!(done["signedOut"], true);
    let methods: Vec<&str> = done["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verificationMethod"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["EMAIL_OTP", "EMAIL_OTP"]);
    assert!(!done.to_string().contains("@example.com"), "{done}");
    assert!(local.list(access).await.is_empty());
    // Signed out everywhere: the refresh token no longer works.
    let (status, refused) = local
        .cognito(
            "InitiateAuth",
            json!({ "ClientId": CLIENT_ID, "AuthFlow": "REFRESH_TOKEN_AUTH",
                    "AuthParameters": { "REFRESH_TOKEN": tokens["RefreshToken"] } }),
        )
        .await;
    assert_eq!(status, 400, "{refused}");

    // A retry finds nothing more to remove, and says so.
    let (status, again) = reset(&local, &admin, &sub, reason()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["removed"], json!([]));

    // The next sign-in is a first-authenticator round for the user's own email, and only it.
    let (_, started) = local
        .cognito(
            "InitiateAuth",
            json!({ "ClientId": CLIENT_ID, "AuthFlow": "CUSTOM_AUTH",
                    "AuthParameters": { "USERNAME": "reset-me" } }),
        )
        .await;
    let token = started["ChallengeParameters"]["token"].as_str().unwrap();
    assert_eq!(
        started["ChallengeParameters"]["verificationMethods"],
        "EMAIL_OTP"
    );
    let (status, _) = local
        .client_api_raw(
            "user-authenticators/email-otp",
            token,
            Some(json!({ "email": "attacker@example.net" })),
        )
        .await;
    assert_eq!(status, 403, "the round's token cannot add another address");
    let answer = local.answer_email_challenge(token, email).await;
    let (status, signed_in) = local
        .cognito(
            "RespondToAuthChallenge",
            json!({ "ClientId": CLIENT_ID, "ChallengeName": "CUSTOM_CHALLENGE", "Session": started["Session"],
                    "ChallengeResponses": { "USERNAME": "reset-me", "ANSWER": answer } }),
        )
        .await;
    assert_eq!(status, 200, "{signed_in}");
    let fresh = signed_in["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap();
    let listed = local.list(fresh).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["email"], "r***@example.com");
}

#[tokio::test]
async fn only_the_admin_group_resets_and_the_reason_is_bounded() {
    let dev = DevServer::start(&[]).await;
    let local = LocalClient::new(&dev.base_url);
    let (sub, tokens) = local
        .sign_up_and_in(CLIENT_ID, "keep-me", "keep-me@example.com")
        .await;
    let access = tokens["AccessToken"].as_str().unwrap();

    for groups in [
        vec![],
        vec!["authenticator-admins-x"],
        vec!["Authenticator-Admins"],
    ] {
        let token = local.mint("not-admin", &groups, 0).await;
        // Who may ask is checked before what was asked: a bad body changes nothing here.
        for body in [reason(), json!({})] {
            let (status, refused) = reset(&local, &token, &sub, body).await;
            assert_eq!(
                (status, refused["code"].as_str()),
                (403, Some("insufficient_scope")),
                "{groups:?}"
            );
        }
    }
    // The user themself is no admin either.
    let (status, _) = reset(&local, access, &sub, reason()).await;
    assert_eq!(status, 403);

    let admin = local.mint("helpdesk-r2", &[ADMIN_GROUP], 0).await;
    let long = "x".repeat(257);
    for body in [
        json!({}),
        json!({ "reasonCode": "lost_device" }),
        json!({ "reason": "no code" }),
        json!({ "reasonCode": "Lost Device", "reason": "x" }),
        json!({ "reasonCode": "x", "reason": "x" }),
        json!({ "reasonCode": "a".repeat(33), "reason": "x" }),
        json!({ "reasonCode": "lost_device", "reason": "" }),
        json!({ "reasonCode": "lost_device", "reason": long }),
        json!({ "reasonCode": "lost_device", "reason": "bell\u{7}" }),
        json!({ "reasonCode": "lost_device", "reason": "x", "force": true }),
    ] {
        let (status, problem) = reset(&local, &admin, &sub, body.clone()).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_request")),
            "{body}: {problem}"
        );
    }
    let (status, _) = reset(&local, &admin, "not%20a%20sub", reason()).await;
    assert_eq!(status, 400);
    // Well-formed, but nobody's.
    let (status, problem) = reset(&local, &admin, "0b5e6f0c-nobody", reason()).await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("not_found")));
    // None of that removed anything.
    assert_eq!(local.list(access).await.len(), 1);
}

/// A user pool that cannot sign anyone out.
struct CannotSignOut;

#[async_trait::async_trait]
impl cognito_authsignal::directory::UserDirectory for CannotSignOut {
    async fn find_users(
        &self,
        _: &cognito_authsignal::directory::UserQuery,
    ) -> Result<
        cognito_authsignal::directory::UserPage,
        cognito_authsignal::directory::DirectoryError,
    > {
        Ok(Default::default())
    }

    async fn sign_out_everywhere(
        &self,
        _: &str,
    ) -> Result<(), cognito_authsignal::directory::DirectoryError> {
        Err(cognito_authsignal::directory::DirectoryError::Unavailable(
            "the pool is down".into(),
        ))
    }
}

#[tokio::test]
async fn a_reset_that_cannot_sign_the_user_out_removes_nothing() {
    let stack =
        crate::helpers::Stack::with_integrations(cognito_authsignal::integrations::Integrations {
            directory: Some(std::sync::Arc::new(CannotSignOut)),
            ..Default::default()
        })
        .await;
    let user = stack.token("u-reset-502", &[], 60);
    stack.enroll_email(&user, "keep-502@example.com").await;
    let admin = stack.token("helpdesk-r3", &[ADMIN_GROUP], 60);
    let response = stack
        .call(
            Method::POST,
            "/v1/admin/users/u-reset-502/reset",
            &admin,
            Some(reason()),
        )
        .await;
    assert_eq!(response.status(), 502);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "upstream_unavailable");
    assert_eq!(stack.list(&user).await.len(), 1, "nothing was removed");
}
