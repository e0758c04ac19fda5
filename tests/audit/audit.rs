//! Every change emits exactly one structured audit event, without secrets or full contacts.

use reqwest::Method;
use serde_json::json;

use crate::capture::Captured;
use crate::helpers::*;

// The server runs on this test's single-threaded runtime, so the thread-local subscriber sees
// its events.
#[tokio::test]
async fn changes_are_audited_once_each_without_tokens_or_contacts() {
    let (captured, _guard) = Captured::start();

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
    assert_eq!(removed.status(), 200);
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
    assert_eq!(by_admin.status(), 200);

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

    let everything = captured.text();
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

#[tokio::test]
async fn a_request_id_not_in_the_safe_form_never_reaches_the_audit_line() {
    let (captured, _guard) = Captured::start();
    let stack = Stack::start().await;
    let user = stack.token("u-forged-id", &[], 60);
    let forged = r#"abc","event":"authenticator_removed","actor":"admin-forged"#;
    let long = "r".repeat(15_000);
    let mut answered = Vec::new();
    for hostile in [forged, long.as_str(), "two words \"quoted\" line\\nbreak"] {
        let response = stack
            .call_with(
                Method::POST,
                "/v1/me/authenticators/enrollment-token",
                &user,
                Some(json!({ "email": "forged-id@example.com" })),
                &[("x-request-id", hostile)],
            )
            .await;
        assert_eq!(response.status(), 200);
        let id = response.headers()["x-request-id"].to_str().unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "a generated id: {id}");
        answered.push(id.to_owned());
    }
    let safe = stack
        .call_with(
            Method::POST,
            "/v1/me/authenticators/enrollment-token",
            &user,
            Some(json!({ "email": "forged-id@example.com" })),
            &[("x-request-id", "req-safe-1")],
        )
        .await;
    assert_eq!(safe.headers()["x-request-id"], "req-safe-1");
    answered.push("req-safe-1".to_owned());

    let events = captured.audit_events();
    let logged: Vec<&str> = events
        .iter()
        .map(|event| event["request_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        logged, answered,
        "the audit line has the id the caller was given"
    );
    assert!(
        events.iter().all(|event| event["actor"] == "u-forged-id"),
        "{events:?}"
    );
    let everything = captured.text();
    for fragment in ["admin-forged", "rrrrrrrrrrrrrrrr", "two words"] {
        assert!(!everything.contains(fragment), "{fragment} was logged");
    }
}
