//! The help desk's reset (`POST /v1/admin/users/{userId}/reset`) against the real `dev` binary:
//! the user is signed out everywhere and loses every authenticator but their own Cognito
//! email's (enrolled by the reset when missing, so the account is never empty), a retry does no
//! harm, no token from before the reset can add anything, the next sign-in proves the user's
//! own email, and only the admin group may ask, by `sub`, with a bounded reason.

use reqwest::Method;
use serde_json::{Value, json};

use crate::dev::DevServer;
use crate::local_client::LocalClient;
use crate::sign_outs::past_the_sign_out;

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

/// The status of a `REFRESH_TOKEN_AUTH` with the refresh token of `tokens`.
async fn refresh(local: &LocalClient, tokens: &Value) -> u16 {
    let (status, _) = local
        .cognito(
            "InitiateAuth",
            json!({ "ClientId": CLIENT_ID, "AuthFlow": "REFRESH_TOKEN_AUTH",
                    "AuthParameters": { "REFRESH_TOKEN": tokens["RefreshToken"] } }),
        )
        .await;
    status
}

/// Starts a `CUSTOM_AUTH` sign-in round for `username`; returns Cognito's answer.
async fn start_round(local: &LocalClient, username: &str) -> Value {
    let (_, started) = local
        .cognito(
            "InitiateAuth",
            json!({ "ClientId": CLIENT_ID, "AuthFlow": "CUSTOM_AUTH",
                    "AuthParameters": { "USERNAME": username } }),
        )
        .await;
    started
}

/// Answers the round `started` with `answer`.
async fn answer_round(
    local: &LocalClient,
    username: &str,
    started: &Value,
    answer: &str,
) -> (u16, Value) {
    local
        .cognito(
            "RespondToAuthChallenge",
            json!({ "ClientId": CLIENT_ID, "ChallengeName": "CUSTOM_CHALLENGE", "Session": started["Session"],
                    "ChallengeResponses": { "USERNAME": username, "ANSWER": answer } }),
        )
        .await
}

fn reason() -> Value {
    json!({ "reasonCode": "lost_device", "reason": "Lost the phone; identity checked by video call." })
}

/// A reason an admin typed with the user's contact details in it.
fn reason_with_contacts() -> Value {
    json!({ "reasonCode": "lost_device", "reason": "Called from +44 7700 900123, mail reset-me@example.com." })
}

#[tokio::test]
async fn a_reset_signs_out_removes_all_but_the_users_own_email_and_the_next_sign_in_proves_it() {
    // Info level, for the audit line.
    let dev = DevServer::start(&[("RUST_LOG", "info")]).await;
    let local = LocalClient::new(&dev.base_url);
    let email = "reset-me@example.com";
    let (sub, tokens) = local.sign_up_and_in(CLIENT_ID, "reset-me", email).await;
    let access = tokens["AccessToken"].as_str().unwrap();
    let own = local.list(access).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
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
        audit.contains(":r***@example.com"),
        "the kept contact, masked: {audit}"
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
    assert_eq!(methods, ["EMAIL_OTP"], "{done}");
    assert_eq!(
        done["kept"],
        json!({ "id": own, "verificationMethod": "EMAIL_OTP", "enrolled": false,
                "contact": "r***@example.com" })
    );
    assert!(
        !done.to_string().contains("reset-me@") && !done.to_string().contains("reset-me-work"),
        "only the masked contact: {done}"
    );
    let left = local.list(access).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], own.as_str());
    // Signed out everywhere: the refresh token no longer works.
    assert_eq!(
        refresh(&local, &tokens).await,
        400,
        "the refresh token no longer works"
    );

    // A retry finds nothing more to remove, and says so.
    let (status, again) = reset(&local, &admin, &sub, reason()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["removed"], json!([]));
    assert_eq!(again["kept"], done["kept"]);

    // The next sign-in challenges the user's own email, and only it.
    let started = start_round(&local, "reset-me").await;
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
    let (status, signed_in) = answer_round(&local, "reset-me", &started, &answer).await;
    assert_eq!(status, 200, "{signed_in}");
    let fresh = signed_in["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap();
    let listed = local.list(fresh).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["email"], "r***@example.com");
}

/// The client token inside a settings URL.
fn token_in(url: &str) -> String {
    let url = reqwest::Url::parse(url).unwrap();
    let (_, token) = url.query_pairs().find(|(name, _)| name == "token").unwrap();
    token.into_owned()
}

#[tokio::test]
async fn no_token_from_before_a_reset_can_enroll_its_holders_address_and_sign_in() {
    // While an account has no authenticator, any client token for the user enrolls whatever
    // its holder likes. Two such tokens an attacker can hold across a reset: a sign-in round's
    // (anyone may start a round with the username) and a settings URL's (any session, however
    // stale, may ask for one).
    let dev = DevServer::start(&[]).await;
    let local = LocalClient::new(&dev.base_url);
    let email = "reset-race@example.com";
    let (sub, tokens) = local.sign_up_and_in(CLIENT_ID, "reset-race", email).await;
    let access = tokens["AccessToken"].as_str().unwrap();
    local
        .enroll_email(access, "reset-race-phone@example.com")
        .await;
    let round = start_round(&local, "reset-race").await;
    let round_token = round["ChallengeParameters"]["token"].as_str().unwrap();
    let stale_session = local.mint(&sub, &[], 3_600).await;

    let admin = local.mint("helpdesk-r4", &[ADMIN_GROUP], 0).await;
    let (status, done) = reset(&local, &admin, &sub, reason()).await;
    assert_eq!(status, 200, "{done}");

    let attacker = "attacker@example.net";
    let (status, refused) = local
        .client_api_raw(
            "user-authenticators/email-otp",
            round_token,
            Some(json!({ "email": attacker })),
        )
        .await;
    assert_eq!(
        status, 403,
        "a round token from before the reset: {refused}"
    );
    let settings_url = |session: String| {
        let local = &local;
        async move {
            local
                .call(
                    Method::POST,
                    "/v1/me/authenticators/settings-url",
                    &session,
                    Some(json!({ "redirectUrl": "http://localhost:5173/account" })),
                )
                .await
        }
    };
    assert_eq!(
        settings_url(stale_session).await.status(),
        401,
        "a session from before the reset is signed out"
    );
    // Even a session the sign-out lets through (issued after it, signed in long before) gets a
    // settings token that cannot add anything: the account is not empty.
    past_the_sign_out().await;
    let response = settings_url(local.mint(&sub, &[], 3_600).await).await;
    assert_eq!(response.status(), 200);
    let url = response.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, refused) = local
        .client_api_raw(
            "user-authenticators/email-otp",
            &token_in(&url),
            Some(json!({ "email": attacker })),
        )
        .await;
    assert_eq!(status, 403, "a stale session's settings token: {refused}");

    let fresh = local.mint(&sub, &[], 0).await;
    let left = local.list(&fresh).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["email"], "r***@example.com");
    // Nothing was sent to the attacker's address, so no answer can name it.
    let (_, outbox) = local.outbox_for(attacker).await;
    assert!(
        outbox["messages"].as_array().is_none_or(Vec::is_empty),
        "{outbox}"
    );
}

#[tokio::test]
async fn no_session_from_before_a_reset_can_enroll_or_change_anything_after_it() {
    // Whoever took the account holds the user's access token. Cognito's global sign-out revokes
    // refresh tokens only: the access token still verifies for up to an hour, and a recent
    // sign-in may ask for an enrollment token with it, for an address of its holder's choosing.
    let dev = DevServer::start(&[]).await;
    let local = LocalClient::new(&dev.base_url);
    let email = "reset-session@example.com";
    let (sub, tokens) = local
        .sign_up_and_in(CLIENT_ID, "reset-session", email)
        .await;
    let stolen = tokens["AccessToken"].as_str().unwrap();
    local
        .enroll_email(stolen, "reset-session-attacker@example.net")
        .await;
    let admin = local.mint("helpdesk-r9", &[ADMIN_GROUP], 0).await;
    let (status, done) = reset(&local, &admin, &sub, reason()).await;
    assert_eq!(status, 200, "{done}");
    let kept = done["kept"]["id"].as_str().unwrap();

    let attempts = [
        (
            Method::POST,
            "/v1/me/authenticators/enrollment-token".to_owned(),
            Some(json!({ "email": "attacker@example.net" })),
        ),
        (
            Method::POST,
            "/v1/me/authenticators/settings-url".to_owned(),
            Some(json!({ "redirectUrl": "http://localhost:5173/account" })),
        ),
        (
            Method::POST,
            "/v1/me/step-up".to_owned(),
            Some(json!({ "operation": "addAuthenticator" })),
        ),
        (
            Method::DELETE,
            format!("/v1/me/authenticators/{kept}"),
            None,
        ),
    ];
    for (method, path, body) in attempts {
        let response = local.call(method.clone(), &path, stolen, body).await;
        assert_eq!(response.status(), 401, "{method} {path}");
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\""
        );
        let problem: Value = response.json().await.unwrap();
        assert_eq!(
            problem["code"], "invalid_token",
            "{method} {path}: {problem}"
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("signed out everywhere"),
            "{problem}"
        );
    }
    // Reading is still allowed until the token expires; it shows the account as the reset left it.
    let left = local.list(stolen).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], kept);

    // The user's own sign-in after the reset acts again.
    past_the_sign_out().await;
    let started = start_round(&local, "reset-session").await;
    let token = started["ChallengeParameters"]["token"].as_str().unwrap();
    let answer = local.answer_email_challenge(token, email).await;
    let (status, signed_in) = answer_round(&local, "reset-session", &started, &answer).await;
    assert_eq!(status, 200, "{signed_in}");
    let fresh = signed_in["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap();
    let response = local
        .call(
            Method::POST,
            "/v1/me/authenticators/enrollment-token",
            fresh,
            Some(json!({ "email": "reset-session-work@example.com" })),
        )
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_reset_enrolls_the_users_own_email_when_the_account_lacks_it() {
    let dev = DevServer::start(&[]).await;
    let local = LocalClient::new(&dev.base_url);
    let email = "reset-lost@example.com";
    let (sub, tokens) = local.sign_up_and_in(CLIENT_ID, "reset-lost", email).await;
    let access = tokens["AccessToken"].as_str().unwrap();
    let own = local.list(access).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = local
        .enroll_email(access, "reset-lost-old@example.com")
        .await;
    let admin = local.mint("helpdesk-r5", &[ADMIN_GROUP], 0).await;
    let response = local
        .call(
            Method::DELETE,
            &format!("/v1/admin/users/{sub}/authenticators/{own}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(response.status(), 200);

    let (status, done) = reset(&local, &admin, &sub, reason()).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        done["removed"],
        json!([{ "id": other, "verificationMethod": "EMAIL_OTP" }])
    );
    assert_eq!(done["kept"]["enrolled"], true, "{done}");
    assert_eq!(done["kept"]["verificationMethod"], "EMAIL_OTP");
    assert_eq!(done["kept"]["contact"], "r***@example.com");
    let left = local.list(access).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["id"], done["kept"]["id"]);
    assert_eq!(left[0]["email"], "r***@example.com");

    // The next sign-in proves that address.
    let started = start_round(&local, "reset-lost").await;
    let token = started["ChallengeParameters"]["token"].as_str().unwrap();
    let answer = local.answer_email_challenge(token, email).await;
    let (status, signed_in) = answer_round(&local, "reset-lost", &started, &answer).await;
    assert_eq!(status, 200, "{signed_in}");
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
    // Well-formed, but nobody's; and the user's username and email, which Cognito's sign-out
    // would accept but Authsignal (keyed by `sub`) would find nothing under.
    for nobody in ["0b5e6f0c-nobody", "keep-me", "keep-me@example.com"] {
        let (status, problem) = reset(&local, &admin, nobody, reason()).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (404, Some("not_found")),
            "{nobody}"
        );
    }
    // None of that removed anything or signed anyone out.
    assert_eq!(local.list(access).await.len(), 1);
    assert_eq!(
        refresh(&local, &tokens).await,
        200,
        "the refresh token still works"
    );
}

#[tokio::test]
async fn a_reset_never_binds_the_account_to_an_email_nobody_proved() {
    // Anyone holding a session can set the Cognito email to an address of their own
    // (`UpdateUserAttributes`); it stays unverified until proved, and the reset enrolls only a
    // verified one.
    let dev = DevServer::start(&[]).await;
    let local = LocalClient::new(&dev.base_url);
    let (sub, tokens) = local
        .sign_up_and_in(CLIENT_ID, "reset-moved", "reset-moved@example.com")
        .await;
    let access = tokens["AccessToken"].as_str().unwrap();
    let config: Value = reqwest::get(format!("{}/local/config.json", dev.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (status, changed) = local
        .cognito(
            "AdminUpdateUserAttributes",
            json!({ "UserPoolId": config["userPoolId"], "Username": "reset-moved",
                    "UserAttributes": [{ "Name": "email", "Value": "attacker@example.net" }] }),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let admin = local.mint("helpdesk-r7", &[ADMIN_GROUP], 0).await;
    let (status, problem) = reset(&local, &admin, &sub, reason()).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("no_contact")),
        "{problem}"
    );
    // Nothing was done: the user's own email is still there, and nobody was signed out.
    let left = local.list(access).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["email"], "r***@example.com");
    assert_eq!(
        refresh(&local, &tokens).await,
        200,
        "the refresh token still works"
    );
}

/// A page of one confirmed user, `sub`, with `email` and `phone` (each verified when present).
fn pool_user(
    sub: &str,
    email: Option<&str>,
    phone: Option<&str>,
) -> cognito_authsignal::directory::UserPage {
    cognito_authsignal::directory::UserPage {
        users: vec![cognito_authsignal::directory::DirectoryUser {
            sub: sub.to_owned(),
            username: sub.to_owned(),
            status: "CONFIRMED".into(),
            enabled: true,
            created_at: None,
            email: email.map(str::to_owned),
            email_verified: email.is_some(),
            phone_number: phone.map(str::to_owned),
            phone_number_verified: phone.is_some(),
        }],
        pagination_token: None,
    }
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
        Ok(pool_user(
            "u-reset-502",
            Some("u-reset-502@example.com"),
            None,
        ))
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

/// Resets `sub`, who has one authenticator, through the in-process API with `directory` as the
/// user pool; returns the status, the body and how many authenticators the user has after.
async fn reset_in_process(
    directory: std::sync::Arc<dyn cognito_authsignal::directory::UserDirectory>,
    sub: &str,
) -> (u16, Value, usize) {
    let stack =
        crate::helpers::Stack::with_integrations(cognito_authsignal::integrations::Integrations {
            directory: Some(directory),
            ..Default::default()
        })
        .await;
    let user = stack.token(sub, &[], 60);
    stack
        .enroll_email(&user, &format!("{sub}@example.com"))
        .await;
    let admin = stack.token("helpdesk-in-process", &[ADMIN_GROUP], 60);
    let response = stack
        .call(
            Method::POST,
            &format!("/v1/admin/users/{sub}/reset"),
            &admin,
            Some(reason()),
        )
        .await;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, stack.list(&user).await.len())
}

#[tokio::test]
async fn a_reset_that_cannot_sign_the_user_out_removes_nothing() {
    let (status, problem, left) =
        reset_in_process(std::sync::Arc::new(CannotSignOut), "u-reset-502").await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (502, Some("upstream_unavailable"))
    );
    assert_eq!(left, 1, "nothing was removed");
}

/// A user pool whose user has no email, and `phone` (verified) if any; it remembers whether
/// anyone was signed out.
#[derive(Default)]
struct NoEmailPool {
    phone: Option<&'static str>,
    signed_out: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl cognito_authsignal::directory::UserDirectory for NoEmailPool {
    async fn find_users(
        &self,
        query: &cognito_authsignal::directory::UserQuery,
    ) -> Result<
        cognito_authsignal::directory::UserPage,
        cognito_authsignal::directory::DirectoryError,
    > {
        Ok(pool_user(query.value(), None, self.phone))
    }

    async fn sign_out_everywhere(
        &self,
        _: &str,
    ) -> Result<(), cognito_authsignal::directory::DirectoryError> {
        self.signed_out
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn a_user_with_no_contact_to_keep_is_not_reset_at_all() {
    // Their account would be left empty, where any client token enrolls anything.
    let pool = std::sync::Arc::new(NoEmailPool::default());
    let (status, problem, left) = reset_in_process(pool.clone(), "u-reset-409").await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("no_contact"))
    );
    assert_eq!(left, 1, "nothing was removed");
    assert!(
        !pool.signed_out.load(std::sync::atomic::Ordering::SeqCst),
        "nobody was signed out"
    );
}

#[tokio::test]
async fn a_user_with_only_a_verified_phone_keeps_it_as_their_sms_authenticator() {
    let pool = std::sync::Arc::new(NoEmailPool {
        phone: Some("+447700900123"),
        ..NoEmailPool::default()
    });
    let (status, done, left) = reset_in_process(pool.clone(), "u-reset-sms").await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["kept"]["verificationMethod"], "SMS", "{done}");
    assert_eq!(done["kept"]["enrolled"], true);
    assert_eq!(done["kept"]["contact"], "+4*******0123");
    let removed: Vec<&str> = done["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verificationMethod"].as_str().unwrap())
        .collect();
    assert_eq!(removed, ["EMAIL_OTP"]);
    assert_eq!(left, 1, "only the phone is left");
    assert!(pool.signed_out.load(std::sync::atomic::Ordering::SeqCst));
    assert!(!done.to_string().contains("900123"), "{done}");
}

#[tokio::test]
async fn a_reset_whose_enrollment_fails_removes_nothing() {
    // A phone number Authsignal refuses: the user's own contact cannot go on, so nothing comes off.
    let pool = std::sync::Arc::new(NoEmailPool {
        phone: Some("0123"),
        ..NoEmailPool::default()
    });
    let (status, problem, left) = reset_in_process(pool, "u-reset-refused").await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (502, Some("upstream_unavailable")),
        "{problem}"
    );
    assert_eq!(left, 1, "nothing was removed");
}
