//! `dev --aws-local`: a user signs in through dev's user pool, removes an authenticator, and the
//! AWS integrations run against the moto_server dev started: the change event comes back
//! through EventBridge and SQS into dev's log, the user's notice of it goes through moto's SES
//! to their verified email and shows in the log as they read it, and the user's refresh token
//! is revoked.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::dev::DevServer;
use crate::local_client::LocalClient;

const CLIENT_ID: &str = "localdevclient";

#[tokio::test]
async fn dev_runs_events_and_revocation_on_its_own_moto() {
    let moto = std::env::var("MOTO_SERVER")
        .unwrap_or_else(|_| format!("{}/.venv/bin/moto_server", env!("CARGO_MANIFEST_DIR")));
    let dev = DevServer::start_with(
        &["--aws-local"],
        &[
            ("MOTO_SERVER", &moto),
            ("RUST_LOG", "warn,events=info,notices=info"),
        ],
    )
    .await;
    assert!(dev.banner.contains("AWS (moto)"), "{}", dev.banner);
    let base = &dev.base_url;
    let app = LocalClient::new(base);

    // Sign up and in through dev's user pool, answering the email challenge.
    let email = "aws-local@example.com";
    let (_, tokens) = app.sign_up_and_in(CLIENT_ID, "aws-local", email).await;
    let access = tokens["AccessToken"].as_str().unwrap();
    let refresh = tokens["RefreshToken"].as_str().unwrap();

    // The sign-in enrolled the email; add a second authenticator and remove it.
    let second = app.enroll_email(access, "aws-local-2@example.com").await;
    assert_eq!(app.list(access).await.len(), 2);
    let removed = app
        .call(
            Method::DELETE,
            &format!("/v1/me/authenticators/{second}"),
            access,
            None,
        )
        .await;
    assert_eq!(removed.status(), 200);

    let delivered = dev
        .wait_for_log(
            &["change event delivered", "Authenticator Removed", &second],
            Duration::from_secs(15),
        )
        .await;
    assert!(delivered.is_some(), "no event reached the queue");
    assert!(!delivered.unwrap().contains(email));

    // The notice: to the address the sign-in proved (masked in the log), from the template.
    let notice = dev
        .wait_for_log(
            &[
                "change notice delivered (moto SES)",
                "a***@example.com",
                "A sign-in method was removed from your account",
                "Your email code was removed by someone signed in to your account.",
                "If this wasn't you",
            ],
            Duration::from_secs(15),
        )
        .await;
    assert!(
        notice.is_some(),
        "no notice in the log:\n{}",
        dev.logs().join("\n")
    );
    assert!(!notice.unwrap().contains(email));
    // Written to a pipe, dev's log carries no colour codes.
    let logs = dev.logs();
    assert!(
        !logs.iter().any(|line| line.contains('\u{1b}')),
        "escape codes in: {logs:#?}"
    );

    let (status, refreshed) = app
        .cognito(
            "InitiateAuth",
            json!({ "ClientId": CLIENT_ID, "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": { "REFRESH_TOKEN": refresh } }),
        )
        .await;
    assert_eq!(status, 400, "{refreshed}");
    assert_eq!(refreshed["__type"], "NotAuthorizedException");
}
