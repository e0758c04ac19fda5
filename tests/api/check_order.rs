//! Checks run in a fixed order on every route: authentication first (no token beats any other
//! problem), then the admin group or a recent sign-in, and only then rules that read the user's
//! data. A stale or foreign session learns nothing about anyone's authenticators.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

const OLD_SIGN_IN: i64 = 7_200;

/// Every route, called without a token and with input that is wrong in every other way too.
#[tokio::test]
async fn without_a_token_every_route_answers_401_before_anything_else() {
    let stack = Stack::start().await;
    let bad_id = "not%20an%20id!";
    let routes = [
        (Method::GET, "/v1/me".to_owned(), None),
        (Method::GET, "/v1/me/authenticators".to_owned(), None),
        (
            Method::POST,
            "/v1/me/authenticators/enrollment-token".to_owned(),
            Some(json!({ "email": "not-an-email" })),
        ),
        (
            Method::POST,
            "/v1/me/authenticators/settings-url".to_owned(),
            Some(json!({ "redirectUrl": "https://evil.example/" })),
        ),
        (
            Method::DELETE,
            format!("/v1/me/authenticators/{bad_id}"),
            None,
        ),
        (
            Method::POST,
            "/v1/me/step-up".to_owned(),
            Some(json!({ "operation": "nothing" })),
        ),
        (
            Method::GET,
            format!("/v1/admin/users/{bad_id}/authenticators"),
            None,
        ),
        (
            Method::DELETE,
            format!("/v1/admin/users/{bad_id}/authenticators/{bad_id}"),
            None,
        ),
    ];
    for (method, path, body) in routes {
        let response = stack.call(method.clone(), &path, "", body).await;
        assert_eq!(response.status(), 401, "{method} {path}");
        assert_problem(response, 401, "invalid_token").await;
    }
}

#[tokio::test]
async fn a_stale_session_is_asked_to_reauthenticate_before_the_last_authenticator_rule() {
    let stack = Stack::start().await;
    let fresh = stack.token("u-order", &[], 60);
    let only = stack.enroll_email(&fresh, "order@example.com").await;
    let stale = stack.token("u-order", &[], OLD_SIGN_IN);
    // The only authenticator (409 with a fresh sign-in) and one that does not exist (404).
    for id in [only.as_str(), "no-such-authenticator"] {
        let response = stack
            .call(
                Method::DELETE,
                &format!("/v1/me/authenticators/{id}"),
                &stale,
                None,
            )
            .await;
        assert_problem(response, 403, "reauthentication_required").await;
    }
    let fresh_answer = stack
        .call(
            Method::DELETE,
            &format!("/v1/me/authenticators/{only}"),
            &fresh,
            None,
        )
        .await;
    assert_problem(fresh_answer, 409, "last_authenticator").await;
}

#[tokio::test]
async fn a_stale_session_gets_no_enrollment_token_whatever_it_asks_for() {
    let stack = Stack::start().await;
    let stale = stack.token("u-order-enroll", &[], OLD_SIGN_IN);
    let response = stack
        .call(
            Method::POST,
            "/v1/me/authenticators/enrollment-token",
            &stale,
            Some(json!({ "email": "order-enroll@example.com" })),
        )
        .await;
    assert_problem(response, 403, "reauthentication_required").await;
}

#[tokio::test]
async fn a_non_admin_learns_nothing_about_other_users() {
    let stack = Stack::start().await;
    let owner = stack.token("u-order-owner", &[], 60);
    let id = stack.enroll_email(&owner, "order-owner@example.com").await;
    let intruder = stack.token("u-order-intruder", &[], 60);
    for (method, path) in [
        (
            Method::GET,
            "/v1/admin/users/u-order-owner/authenticators".to_owned(),
        ),
        (
            Method::GET,
            "/v1/admin/users/nobody/authenticators".to_owned(),
        ),
        (
            Method::DELETE,
            format!("/v1/admin/users/u-order-owner/authenticators/{id}"),
        ),
        (
            Method::DELETE,
            "/v1/admin/users/nobody/authenticators/none".to_owned(),
        ),
    ] {
        let response = stack.call(method.clone(), &path, &intruder, None).await;
        assert_problem(response, 403, "insufficient_scope").await;
    }
    assert_eq!(stack.list(&owner).await.len(), 1);
}
