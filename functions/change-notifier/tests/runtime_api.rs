//! Black box: the built `change-notifier` binary, driven through a local Lambda Runtime API with
//! change events shaped as EventBridge delivers them, against moto's Cognito (the user's
//! address) and SES (the stack's template): one notice to a user's verified Cognito email,
//! built from the event alone; nothing for an unverified address, an unknown user or another
//! event; and an invocation that fails (so Lambda retries it) when the pool cannot be read.

use cognito_authsignal_test_support::moto::{self, Moto, NOTICE_SENDER};
use cognito_authsignal_test_support::runtime_api::RuntimeApi;
use serde_json::{Value, json};

/// A change event as EventBridge hands it to a Lambda target.
fn change_event(detail_type: &str, subject: &str) -> Value {
    json!({
        "version": "0",
        "id": "0d5e3f3a-6c1f-4d0e-9a7e-2f9b8c1d4e5f",
        "detail-type": detail_type,
        "source": "cognito-authsignal",
        "account": "123456789012",
        "time": "2026-12-02T18:40:05Z",
        "region": moto::REGION,
        "resources": [],
        "detail": {
            "actor": "9d3c2b1a-help-desk",
            "subject": subject,
            "requestId": "req-9f8e7d",
            "clientId": "web",
            "reason": { "code": "lost_device", "text": "Caller read out OTP 123456" },
            "removed": [{ "authenticatorId": "auth-7c6b5a", "verificationMethod": "PASSKEY" }],
        },
    })
}

fn function_env<'a>(moto: &'a Moto, pool: &'a str, template: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("COGNITO_USER_POOL_ID", pool),
        ("NOTICE_SENDER", NOTICE_SENDER),
        ("NOTICE_TEMPLATE", template),
        ("AWS_ENDPOINT_URL", &moto.endpoint),
        ("AWS_REGION", moto::REGION),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("RUST_LOG", "info"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_event_becomes_one_notice_to_the_users_verified_cognito_email() {
    let moto = Moto::start().await;
    let template = moto.notice_template().await;
    let (pool, subs) = moto
        .user_pool_with(&[
            ("ann", "ann@example.com", true),
            ("bob", "bob@example.com", false),
        ])
        .await;
    let (ann, bob) = (&subs[0], &subs[1]);
    let runtime = RuntimeApi::start(vec![
        ("req-reset".into(), change_event("User Reset", ann)),
        (
            "req-unverified".into(),
            change_event("Authenticator Removed", bob),
        ),
        (
            "req-unknown".into(),
            change_event("User Reset", "00000000-0000-0000-0000-000000000000"),
        ),
        (
            "req-other".into(),
            change_event("EC2 Instance State-change Notification", ann),
        ),
    ])
    .await;
    let _function = runtime.spawn(
        env!("CARGO_BIN_EXE_change-notifier"),
        "change-notifier",
        &function_env(&moto, &pool, &template),
    );

    let outcomes = runtime.outcomes(4).await;
    for request in ["req-reset", "req-unverified", "req-unknown", "req-other"] {
        assert_eq!(outcomes[request].response(), &Value::Null, "{request}");
    }
    let sent = moto.templated_emails().await;
    assert_eq!(sent.len(), 1, "one notice, to the verified user: {sent:#?}");
    let notice = &sent[0];
    assert_eq!(
        notice["destinations"],
        json!({ "ToAddresses": ["ann@example.com"] })
    );
    assert_eq!(notice["source"], NOTICE_SENDER);
    assert_eq!(notice["template"], json!(template));
    let data: Value = serde_json::from_str(notice["template_data"].as_str().unwrap()).unwrap();
    assert_eq!(
        data,
        json!({
            "headline": "Support reset your sign-in methods",
            "details": "Our support team removed the sign-in methods on your account, all but this address, and signed you out everywhere. Your next sign-in asks for a code sent to this address.",
            "when": "2 December 2026, 18:40 UTC",
        })
    );
    // The log says what was sent, to whom (masked), and why the others were dropped.
    let logs = runtime.logs().join("\n");
    assert!(
        logs.contains("change notice sent") && logs.contains("a***@example.com"),
        "{logs}"
    );
    for reason in ["no_verified_email", "unknown_user", "not_a_change_event"] {
        assert!(logs.contains(reason), "no `{reason}` in the logs:\n{logs}");
    }
    for secret in ["123456", "ann@example.com", "bob@example.com"] {
        assert!(!logs.contains(secret), "{secret} in the logs:\n{logs}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_that_cannot_be_sent_now_fails_the_invocation_so_it_is_retried() {
    let moto = Moto::start().await;
    let template = moto.notice_template().await;
    let runtime = RuntimeApi::start(vec![(
        "req-pool-missing".into(),
        change_event("User Reset", "5b1f0e2c-8a8d-4c4e-9a51-3c1d2e3f4a5b"),
    )])
    .await;
    let _function = runtime.spawn(
        env!("CARGO_BIN_EXE_change-notifier"),
        "change-notifier",
        &function_env(&moto, "eu-west-1_NoSuchPool", &template),
    );
    let outcomes = runtime.outcomes(1).await;
    let error = outcomes["req-pool-missing"].error();
    assert!(
        error["errorMessage"]
            .as_str()
            .is_some_and(|message| message.contains("user pool")),
        "{error}"
    );
    assert!(moto.templated_emails().await.is_empty());
}
