//! End to end, as an app would drive it, against the real `dev` binary.

use reqwest::{Method, Response};
use serde_json::Value;

use crate::dev;
use crate::local_client::LocalClient;

async fn code_of(response: Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_user_enrolls_lists_and_removes_authenticators_end_to_end() {
    let dev = dev::DevServer::start(&[]).await;
    let app = LocalClient::new(&dev.base_url);
    let user = "e2e-user-1";
    let token = app.mint(user, &[], 30).await;

    let first = app.enroll_email(&token, "first@example.com").await;
    let list = app.list(&token).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["verificationMethod"], "EMAIL_OTP");
    assert_eq!(list[0]["email"], "f***@example.com");
    assert_eq!(list[0]["removable"], false);

    let delete_first = format!("/v1/me/authenticators/{first}");
    let response = app.call(Method::DELETE, &delete_first, &token, None).await;
    assert_eq!(code_of(response).await, (409, "last_authenticator".into()));

    let second = app.enroll_email(&token, "second@example.com").await;
    let response = app.call(Method::DELETE, &delete_first, &token, None).await;
    assert_eq!(response.status(), 200);
    // The removal answers with what is left, as a list would.
    let left: Value = response.json().await.unwrap();
    let list = app.list(&token).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], second.as_str());
    assert_eq!(left["authenticators"], Value::Array(list));

    // An old sign-in needs a step-up, which works once.
    let third = app.enroll_email(&token, "third@example.com").await;
    let stale = app.mint(user, &[], 7_200).await;
    let delete_third = format!("/v1/me/authenticators/{third}");
    let response = app.call(Method::DELETE, &delete_third, &stale, None).await;
    assert_eq!(
        code_of(response).await,
        (403, "reauthentication_required".into())
    );
    let proof = app
        .step_up(&stale, "removeAuthenticator", "second@example.com")
        .await;
    let with_proof = [("Authsignal-Validation-Token", proof.as_str())];
    let response = app
        .call_with(Method::DELETE, &delete_third, &stale, None, &with_proof)
        .await;
    assert_eq!(response.status(), 200);
    let fourth = app.enroll_email(&token, "fourth@example.com").await;
    let delete_fourth = format!("/v1/me/authenticators/{fourth}");
    let response = app
        .call_with(Method::DELETE, &delete_fourth, &stale, None, &with_proof)
        .await;
    assert_eq!(
        code_of(response).await,
        (403, "reauthentication_required".into()),
        "a replayed step-up token is refused"
    );

    // Another user can neither see nor delete these authenticators.
    let intruder = app.mint("e2e-intruder", &[], 30).await;
    assert!(app.list(&intruder).await.is_empty());
    let delete_second = format!("/v1/me/authenticators/{second}");
    let response = app
        .call(Method::DELETE, &delete_second, &intruder, None)
        .await;
    assert_eq!(code_of(response).await, (404, "not_found".into()));
    assert_eq!(app.list(&token).await.len(), 2);
}
