//! Every change emits exactly one structured audit event, without secrets or full contacts.

use std::io::Write;
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{Value, json};
use tracing_subscriber::fmt::MakeWriter;

use crate::helpers::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn lines(&self) -> Vec<Value> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    fn audit_events(&self) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter(|line| line["target"] == "audit")
            .collect()
    }
}

// The server runs on this test's single-threaded runtime, so the thread-local subscriber sees
// its events.
#[tokio::test]
async fn changes_are_audited_once_each_without_tokens_or_contacts() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_max_level(tracing::Level::INFO)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let stack = Stack::start().await;
    let user = stack.token("u-audited", &[], 60);
    let first = stack.enroll_email(&user, "audited@example.com").await;
    stack.enroll_email(&user, "second@example.com").await;
    // A third, so that the admin's removal is not of the user's last authenticator.
    stack.enroll_email(&user, "third@example.com").await;
    let settings = stack
        .call(
            Method::POST,
            "/v1/me/authenticators/settings-url",
            &user,
            Some(json!({ "redirectUrl": "http://localhost:5173/" })),
        )
        .await;
    assert_eq!(settings.status(), 200);
    let removed = stack
        .call_with(
            Method::DELETE,
            &format!("/v1/me/authenticators/{first}"),
            &user,
            None,
            &[("x-request-id", "req-delete-1")],
        )
        .await;
    assert_eq!(removed.status(), 204);
    let admin = stack.token("u-auditor", &[ADMIN_GROUP], 60);
    let remaining = stack.list(&user).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_admin = stack
        .call(
            Method::DELETE,
            &format!("/v1/admin/users/u-audited/authenticators/{remaining}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(by_admin.status(), 204);

    let events = captured.audit_events();
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "enrollment_token_issued",
            "enrollment_token_issued",
            "enrollment_token_issued",
            "settings_url_issued",
            "authenticator_removed",
            "authenticator_removed_by_admin",
        ]
    );
    let removal = &events[4];
    assert_eq!(removal["actor"], "u-audited");
    assert_eq!(removal["subject"], "u-audited");
    assert_eq!(removal["authenticator_id"], first.as_str());
    assert_eq!(removal["verification_method"], "EMAIL_OTP");
    assert_eq!(removal["request_id"], "req-delete-1");
    assert_eq!(removal["proof"], "recent_sign_in");
    assert!(
        removal["origin_jti"]
            .as_str()
            .is_some_and(|jti| !jti.is_empty())
    );
    let admin_removal = &events[5];
    assert_eq!(admin_removal["actor"], "u-auditor");
    assert_eq!(admin_removal["subject"], "u-audited");
    assert!(
        admin_removal["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );

    let everything = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        !everything.contains("audited@example.com"),
        "no full email in any log line"
    );
    assert!(
        !everything.contains(&user),
        "no access token in any log line"
    );
    assert!(!everything.contains("eyJ"), "no JWT in any log line");
}
