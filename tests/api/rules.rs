//! Each rule of the account and admin routes, against the in-process stack.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const OLD_SIGN_IN: i64 = 3_600;

#[tokio::test]
async fn the_list_masks_contacts_and_marks_the_only_authenticator_unremovable() {
    let stack = Stack::start().await;
    let token = stack.token("u-list", &[], 60);
    assert!(stack.list(&token).await.is_empty());
    let first = stack.enroll_email(&token, "jane@example.com").await;
    let list = stack.list(&token).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], first.as_str());
    assert_eq!(list[0]["verificationMethod"], "EMAIL_OTP");
    assert_eq!(list[0]["email"], "j***@example.com");
    assert_eq!(list[0]["removable"], false);
    assert!(list[0]["createdAt"].is_string() && list[0]["lastVerifiedAt"].is_string());
    assert!(
        !list.iter().any(|a| a.to_string().contains("jane@")),
        "no full email"
    );
    stack.enroll_email(&token, "june@example.com").await;
    assert!(
        stack
            .list(&token)
            .await
            .iter()
            .all(|a| a["removable"] == true)
    );
}

#[tokio::test]
async fn an_enrollment_token_needs_a_recent_sign_in_or_a_step_up() {
    let stack = Stack::start().await;
    let fresh = stack.token("u-enroll", &[], 60);
    let response = stack
        .call(
            Method::POST,
            "/v1/me/authenticators/enrollment-token",
            &fresh,
            Some(json!({ "email": "a@example.com", "phoneNumber": "+14155550100" })),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body["token"].as_str().is_some_and(|t| !t.is_empty()));
    let expires_at = humantime::parse_rfc3339(body["expiresAt"].as_str().unwrap()).unwrap();
    let lifetime = expires_at
        .duration_since(std::time::SystemTime::now())
        .unwrap()
        .as_secs();
    assert!((590..=600).contains(&lifetime), "{lifetime}");

    let stale = stack.token("u-enroll", &[], OLD_SIGN_IN);
    let refused = stack
        .call(
            Method::POST,
            "/v1/me/authenticators/enrollment-token",
            &stale,
            Some(json!({})),
        )
        .await;
    let problem = assert_problem(refused, 403, "reauthentication_required").await;
    assert_eq!(
        problem["stepUp"],
        json!({ "method": "POST", "href": "/v1/me/step-up", "operation": "addAuthenticator", "header": "Authsignal-Validation-Token" })
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("/v1/me/step-up")
    );

    stack.enroll_email(&fresh, "a@example.com").await;
    let proof = stack
        .step_up(&stale, "addAuthenticator", "a@example.com")
        .await;
    let allowed = stack
        .call_with(
            Method::POST,
            "/v1/me/authenticators/enrollment-token",
            &stale,
            Some(json!({})),
            &[("Authsignal-Validation-Token", &proof)],
        )
        .await;
    assert_eq!(allowed.status(), 200);
    let replayed = stack
        .call_with(
            Method::POST,
            "/v1/me/authenticators/enrollment-token",
            &stale,
            Some(json!({})),
            &[("Authsignal-Validation-Token", &proof)],
        )
        .await;
    assert_problem(replayed, 403, "reauthentication_required").await;
}

#[tokio::test]
async fn a_user_with_no_authenticator_is_asked_to_sign_in_again_not_to_step_up() {
    // Its token would let the caller enroll an authenticator of their choosing and "succeed".
    let stack = Stack::start().await;
    let stale = stack.token("u-empty", &[], OLD_SIGN_IN);
    let response = stack
        .call(
            Method::POST,
            "/v1/me/step-up",
            &stale,
            Some(json!({ "operation": "addAuthenticator" })),
        )
        .await;
    let body = assert_problem(response, 403, "reauthentication_required").await;
    assert_eq!(
        body["detail"],
        "You have no authenticator to confirm it's you with; sign in again."
    );
    assert!(body.get("stepUp").is_none(), "{body}");
}

#[tokio::test]
async fn a_step_up_token_only_works_for_its_own_operation() {
    let stack = Stack::start().await;
    let fresh = stack.token("u-op", &[], 60);
    stack.enroll_email(&fresh, "op@example.com").await;
    let stale = stack.token("u-op", &[], OLD_SIGN_IN);
    let removal_proof = stack
        .step_up(&stale, "removeAuthenticator", "op@example.com")
        .await;
    let response = stack
        .call_with(
            Method::POST,
            "/v1/me/authenticators/enrollment-token",
            &stale,
            Some(json!({})),
            &[("Authsignal-Validation-Token", &removal_proof)],
        )
        .await;
    assert_problem(response, 403, "reauthentication_required").await;
    let garbage = stack
        .call_with(
            Method::POST,
            "/v1/me/authenticators/enrollment-token",
            &stale,
            Some(json!({})),
            &[("Authsignal-Validation-Token", "garbage")],
        )
        .await;
    assert_problem(garbage, 403, "reauthentication_required").await;
}

#[tokio::test]
async fn enrollment_bodies_are_validated_without_echoing_them() {
    let stack = Stack::start().await;
    let token = stack.token("u-body", &[], 60);
    let path = "/v1/me/authenticators/enrollment-token";
    for (body, fragment) in [
        (json!({ "email": "not-an-email" }), "email"),
        (json!({ "phoneNumber": "0412 345 678" }), "phoneNumber"),
        (json!({ "email": "x@example.com", "extra": 1 }), "extra"),
        (json!({ "email": 9876543210_u64 }), "email"),
    ] {
        let response = stack
            .call(Method::POST, path, &token, Some(body.clone()))
            .await;
        let problem = assert_problem(response, 400, "invalid_request").await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(fragment), "{detail}");
        assert!(
            !detail.contains("not-an-email")
                && !detail.contains("0412")
                && !detail.contains("9876543210"),
            "{detail}"
        );
    }
    let raw = |content_type: &str, body: Vec<u8>| {
        stack
            .http
            .post(format!("{}{path}", stack.base_url))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_problem(
        raw("application/json", b"{not json".to_vec())
            .await
            .unwrap(),
        400,
        "invalid_request",
    )
    .await;
    assert_problem(
        raw("text/plain", b"{}".to_vec()).await.unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    let huge = format!("{{\"email\":\"{}@example.com\"}}", "a".repeat(40_000)).into_bytes();
    assert_problem(
        raw("application/json", huge).await.unwrap(),
        413,
        "payload_too_large",
    )
    .await;
}

#[tokio::test]
async fn settings_urls_need_an_authenticator_an_allowed_redirect_and_grant_scopes_only_to_recent_sign_ins()
 {
    let stack = Stack::start().await;
    let path = "/v1/me/authenticators/settings-url";
    let scopes_of = |url: String| {
        let http = stack.http.clone();
        async move { http.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let fresh = stack.token("u-settings", &[], 60);
    // With no authenticator on the account, the URL's token could enroll anything (a session
    // from before the account was emptied would take it): only a new sign-in helps.
    for token in [&fresh, &stack.token("u-settings", &[], OLD_SIGN_IN)] {
        let refused = stack
            .call(
                Method::POST,
                path,
                token,
                Some(json!({ "redirectUrl": "http://localhost:5173/account" })),
            )
            .await;
        let problem = assert_problem(refused, 403, "reauthentication_required").await;
        assert!(problem.get("stepUp").is_none(), "{problem}");
        assert!(!problem.to_string().contains("token="), "{problem}");
    }
    stack.enroll_email(&fresh, "settings@example.com").await;
    let response = stack
        .call(
            Method::POST,
            path,
            &fresh,
            Some(json!({ "redirectUrl": "http://localhost:5173/account" })),
        )
        .await;
    assert_eq!(response.status(), 200);
    let url = response.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.contains("screen=settings"));
    let page = scopes_of(url).await;
    assert!(
        page.contains("add:authenticators update:authenticators remove:authenticators"),
        "{page}"
    );
    assert!(page.contains("http://localhost:5173/account"));

    let stale = stack.token("u-settings", &[], OLD_SIGN_IN);
    let response = stack
        .call(
            Method::POST,
            path,
            &stale,
            Some(json!({ "redirectUrl": "http://localhost:5173/" })),
        )
        .await;
    assert_eq!(
        response.status(),
        200,
        "a stale sign-in still gets a URL, without scopes"
    );
    let page = scopes_of(
        response.json::<Value>().await.unwrap()["url"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
    .await;
    assert!(
        page.contains("scopes <code>read:authenticators</code>"),
        "{page}"
    );

    for bad in [
        "https://evil.example/",
        "http://localhost:5173@evil.example/",
        "http://localhost:5173//evil.example",
        "http://localhost:5173/%2e%2e/x",
        "http://localhost:5173\\@evil",
    ] {
        let response = stack
            .call(
                Method::POST,
                path,
                &fresh,
                Some(json!({ "redirectUrl": bad })),
            )
            .await;
        assert_problem(response, 400, "invalid_redirect_url").await;
    }
}

#[tokio::test]
async fn deleting_an_unknown_or_foreign_authenticator_is_404_and_deletes_nothing() {
    let stack = Stack::start().await;
    let alice = stack.token("u-alice", &[], 60);
    let bob = stack.token("u-bob", &[], 60);
    let alice_first = stack.enroll_email(&alice, "alice@example.com").await;
    stack.enroll_email(&alice, "alice2@example.com").await;
    stack.enroll_email(&bob, "bob@example.com").await;
    stack.enroll_email(&bob, "bob2@example.com").await;

    let foreign = stack
        .call(
            Method::DELETE,
            &format!("/v1/me/authenticators/{alice_first}"),
            &bob,
            None,
        )
        .await;
    assert_problem(foreign, 404, "not_found").await;
    let unknown = stack
        .call(
            Method::DELETE,
            "/v1/me/authenticators/0b1c2d3e-0000-4000-8000-000000000000",
            &bob,
            None,
        )
        .await;
    assert_problem(unknown, 404, "not_found").await;
    let malformed = stack
        .call(Method::DELETE, "/v1/me/authenticators/a.b", &bob, None)
        .await;
    assert_problem(malformed, 400, "invalid_request").await;
    assert_eq!(stack.list(&alice).await.len(), 2, "alice keeps both");
    assert!(
        !stack
            .list(&bob)
            .await
            .iter()
            .any(|a| a["id"] == alice_first.as_str()),
        "bob cannot see it"
    );
}

#[tokio::test]
async fn the_last_authenticator_cannot_be_removed_by_its_user() {
    let stack = Stack::start().await;
    let token = stack.token("u-last", &[], 60);
    let only = stack.enroll_email(&token, "last@example.com").await;
    let response = stack
        .call(
            Method::DELETE,
            &format!("/v1/me/authenticators/{only}"),
            &token,
            None,
        )
        .await;
    assert_problem(response, 409, "last_authenticator").await;
    assert_eq!(stack.list(&token).await.len(), 1);
}

#[tokio::test]
async fn admin_routes_need_the_admin_group_and_may_remove_all_but_the_last_authenticator() {
    let stack = Stack::start().await;
    let user = stack.token("u-helped", &[], 60);
    let only = stack.enroll_email(&user, "helped@example.com").await;
    let path = format!("/v1/admin/users/u-helped/authenticators/{only}");

    let not_admin = stack.token("u-nosy", &["staff"], 60);
    let refused = stack
        .call(
            Method::GET,
            "/v1/admin/users/u-helped/authenticators",
            &not_admin,
            None,
        )
        .await;
    assert_eq!(
        refused.headers()["www-authenticate"],
        "Bearer error=\"insufficient_scope\""
    );
    assert_problem(refused, 403, "insufficient_scope").await;
    assert_problem(
        stack.call(Method::DELETE, &path, &not_admin, None).await,
        403,
        "insufficient_scope",
    )
    .await;

    let admin = stack.token("u-admin", &[ADMIN_GROUP], OLD_SIGN_IN);
    let listed = stack
        .call(
            Method::GET,
            "/v1/admin/users/u-helped/authenticators",
            &admin,
            None,
        )
        .await;
    assert_eq!(listed.status(), 200);
    let body: Value = listed.json().await.unwrap();
    assert_eq!(body["authenticators"][0]["email"], "h***@example.com");

    let bad_user = stack
        .call(
            Method::GET,
            "/v1/admin/users/a%20b/authenticators",
            &admin,
            None,
        )
        .await;
    assert_problem(bad_user, 400, "invalid_request").await;
    let unknown = stack
        .call(
            Method::DELETE,
            "/v1/admin/users/u-helped/authenticators/nope",
            &admin,
            None,
        )
        .await;
    assert_problem(unknown, 404, "not_found").await;

    // The last one stays: an account with none could be given one by anyone at sign-in.
    assert_problem(
        stack.call(Method::DELETE, &path, &admin, None).await,
        409,
        "last_authenticator",
    )
    .await;
    assert_eq!(stack.list(&user).await.len(), 1);
    stack.enroll_email(&user, "helped-2@example.com").await;
    assert_eq!(
        stack
            .call(Method::DELETE, &path, &admin, None)
            .await
            .status(),
        200
    );
    let left = stack.list(&user).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["email"], "h***@example.com");
    assert_ne!(left[0]["id"], only.as_str());
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems_too() {
    let stack = Stack::start().await;
    let token = stack.token("u-routes", &[], 60);
    assert_problem(
        stack.call(Method::GET, "/v1/nope", &token, None).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        stack
            .call(Method::PUT, "/v1/me/authenticators", &token, None)
            .await,
        405,
        "method_not_allowed",
    )
    .await;
    assert_problem(
        stack
            .call(Method::GET, "/v1/me/authenticators", "not-a-token", None)
            .await,
        401,
        "invalid_token",
    )
    .await;
    let step_up = stack
        .call(
            Method::POST,
            "/v1/me/step-up",
            &token,
            Some(json!({ "operation": "becomeAdmin" })),
        )
        .await;
    assert_problem(step_up, 400, "invalid_request").await;
}

#[tokio::test]
async fn cors_allows_only_configured_origins_without_credentials() {
    let stack = Stack::start().await;
    let preflight = |origin: &'static str| {
        stack
            .http
            .request(
                Method::OPTIONS,
                format!("{}/v1/me/authenticators", stack.base_url),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "DELETE")
            .header(
                "Access-Control-Request-Headers",
                "authorization,authsignal-validation-token",
            )
            .send()
    };
    let allowed = preflight("http://localhost:5173").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    assert!(
        allowed
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    let allowed_headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        allowed_headers.contains("authsignal-validation-token"),
        "{allowed_headers}"
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn every_response_carries_no_store_and_a_request_id() {
    let stack = Stack::start().await;
    let token = stack.token("u-headers", &[], 60);
    let response = stack
        .call(Method::GET, "/v1/me/authenticators", &token, None)
        .await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.headers().contains_key("x-request-id"));
    let echoed = stack
        .call_with(
            Method::GET,
            "/v1/me",
            &token,
            None,
            &[("x-request-id", "req-123")],
        )
        .await;
    assert_eq!(echoed.headers()["x-request-id"], "req-123");
}

#[tokio::test]
async fn a_callers_request_id_is_kept_only_in_a_safe_form() {
    let stack = Stack::start().await;
    let token = stack.token("u-request-id", &[], 60);
    let echoed = |id: String| {
        let stack = &stack;
        let token = &token;
        async move {
            let response = stack
                .call_with(Method::GET, "/v1/me", token, None, &[("x-request-id", &id)])
                .await;
            assert_eq!(response.status(), 200);
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    for safe in [
        "req-123",
        "trace:abc.DEF_9",
        "JKJaXmPLvHcESHA=",
        &"x".repeat(128),
    ] {
        assert_eq!(echoed(safe.to_owned()).await, safe, "a safe id is kept");
    }
    for hostile in [
        "x".repeat(129),
        "x".repeat(15_000),
        r#"abc","event":"authenticator_removed","actor":"admin-forged"#.to_owned(),
        "two words".to_owned(),
        "\"quoted\"".to_owned(),
        r"line\nbreak\r\u000a".to_owned(),
    ] {
        let first = echoed(hostile.clone()).await;
        let second = echoed(hostile.clone()).await;
        assert_ne!(first, hostile);
        assert!(
            uuid::Uuid::parse_str(&first).is_ok(),
            "replaced by a generated id: {first}"
        );
        assert_ne!(first, second, "a fresh id each time");
    }
}

#[tokio::test]
async fn json_bodies_need_application_json_with_at_most_a_utf8_charset() {
    let stack = Stack::start().await;
    let token = stack.token("u-media-type", &[], 60);
    let send = |content_type: &'static str| {
        stack
            .http
            .post(format!(
                "{}/v1/me/authenticators/enrollment-token",
                stack.base_url
            ))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(r#"{"email":"media-type@example.com"}"#)
            .send()
    };
    for refused in [
        "application/json; charset=latin1",
        "application/vnd.x+json",
        "text/json",
    ] {
        let problem =
            assert_problem(send(refused).await.unwrap(), 415, "unsupported_media_type").await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("application/json"),
            "{problem}"
        );
    }
    for accepted in ["application/json", "application/json; charset=\"UTF-8\""] {
        assert_eq!(send(accepted).await.unwrap().status(), 200, "{accepted}");
    }
}

/// Sends `method path` byte for byte (reqwest would resolve `..` and `%2E%2E` away first) and
/// returns the status and the JSON body.
async fn raw_request(base_url: &str, method: &str, path: &str, token: &str) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_dot_segment_user_id_in_an_admin_path_is_400_invalid_request() {
    let stack = Stack::start().await;
    let admin = stack.token("u-dot-admin", &[ADMIN_GROUP], 60);
    for (method, path) in [
        ("GET", "/v1/admin/users/../authenticators"),
        ("GET", "/v1/admin/users/%2E%2E/authenticators"),
        ("GET", "/v1/admin/users/%2e/authenticators"),
        ("GET", "/v1/admin/users/./authenticators"),
        ("DELETE", "/v1/admin/users/../authenticators/a-1"),
        ("DELETE", "/v1/admin/users/%2E%2E/authenticators/a-1"),
    ] {
        let (status, body) = raw_request(&stack.base_url, method, path, &admin).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_request")),
            "{method} {path}: {body}"
        );
    }
}
