//! Sign-outs that stick: after a reset, every route but `GET /v1/me` and
//! `GET /v1/me/authenticators` (which still read) refuses access tokens issued before it, on
//! every instance sharing the table; one contract for both stores (in memory, DynamoDB on
//! moto), and a table that cannot be reached fails closed.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cognito_authsignal::config::IntegrationsConfig;
use cognito_authsignal::integrations::{AwsClients, Integrations};
use cognito_authsignal::replay::MemoryReplayStore;
use cognito_authsignal::replay::dynamodb::{EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE};
use cognito_authsignal::revocation::dynamodb::{DynamoDbSignOuts, SIGNED_OUT_AT_ATTRIBUTE};
use cognito_authsignal::revocation::{
    ISSUER_CLOCK_MARGIN, MemorySignOuts, SIGN_OUT_MEMORY, SignOutStoreError, SignOuts,
    epoch_seconds,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::events::SignsOut;
use crate::helpers::*;
use crate::local_client::LocalClient;
use crate::moto::{Moto, free_port, sdk_config_at};
use crate::replay::{TABLE, create_table};

/// What every sign-out store must do.
async fn contract(store: Arc<dyn SignOuts>) {
    assert_eq!(store.last("u-1").await.unwrap(), None);
    let earlier = SystemTime::now() - Duration::from_secs(60);
    store.record("u-1", earlier).await.unwrap();
    assert_eq!(
        store.last("u-1").await.unwrap(),
        Some(epoch_seconds(earlier))
    );
    let now = SystemTime::now();
    store.record("u-1", now).await.unwrap();
    assert_eq!(
        store.last("u-1").await.unwrap(),
        Some(epoch_seconds(now)),
        "a later sign-out counts"
    );
    store.record("u-1", earlier).await.unwrap();
    assert_eq!(
        store.last("u-1").await.unwrap(),
        Some(epoch_seconds(now)),
        "an earlier one recorded late does not undo it"
    );
    assert_eq!(store.last("u-2").await.unwrap(), None, "per user");
    // Older than the longest-lived access token: forgotten, even before anything deletes it.
    let long_ago = now - SIGN_OUT_MEMORY - Duration::from_secs(1);
    store.record("u-3", long_ago).await.unwrap();
    assert_eq!(store.last("u-3").await.unwrap(), None);
}

#[tokio::test]
async fn the_in_memory_store_keeps_the_contract() {
    contract(Arc::new(MemorySignOuts::default())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamodb_store_keeps_the_contract_in_the_replay_table_without_user_ids() {
    let moto = Moto::start().await;
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    create_table(&client).await;
    contract(Arc::new(DynamoDbSignOuts::new(client.clone(), TABLE))).await;

    let items = client.scan().table_name(TABLE).send().await.unwrap();
    let items = items.items();
    assert_eq!(items.len(), 2, "one item per user: {items:?}");
    for item in items {
        let key = item[KEY_ATTRIBUTE].as_s().unwrap();
        assert_eq!(key.len(), 64, "a SHA-256 in hex, never the user id: {key}");
        assert!(!format!("{item:?}").contains("u-"), "{item:?}");
        let signed_out: u64 = item[SIGNED_OUT_AT_ATTRIBUTE]
            .as_n()
            .unwrap()
            .parse()
            .unwrap();
        let expires: u64 = item[EXPIRY_ATTRIBUTE].as_n().unwrap().parse().unwrap();
        assert_eq!(
            expires,
            signed_out + SIGN_OUT_MEMORY.as_secs(),
            "TTL when no refused token can verify"
        );
    }
}

fn on_table(clients: &AwsClients) -> Integrations {
    let config = IntegrationsConfig {
        replay_table: Some(TABLE.into()),
        ..IntegrationsConfig::default()
    };
    let mut integrations = Integrations::with_clients(&config, "eu-west-1_ApiTests", clients);
    integrations.directory = Some(Arc::new(SignsOut));
    integrations
}

async fn reset_through(instance: &LocalClient, admin: &str, sub: &str) -> reqwest::Response {
    instance
        .call(
            Method::POST,
            &format!("/v1/admin/users/{sub}/reset"),
            admin,
            Some(json!({ "reasonCode": "account_takeover", "reason": "Someone else signed in." })),
        )
        .await
}

async fn enrollment_token(instance: &LocalClient, token: &str) -> reqwest::Response {
    instance
        .call(
            Method::POST,
            "/v1/me/authenticators/enrollment-token",
            token,
            Some(json!({ "email": "attacker@example.net" })),
        )
        .await
}

/// Waits until a token issued from now on is newer than a sign-out recorded before this call,
/// by more than `revocation::ISSUER_CLOCK_MARGIN` (`iat` has whole seconds; the tests' stacks
/// run with no `JWT_LEEWAY_SECONDS`).
pub(crate) async fn past_the_sign_out() {
    let now = SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let margin = 1 + ISSUER_CLOCK_MARGIN.as_secs();
    let target = Duration::from_secs(now.as_secs() + margin) + Duration::from_millis(50);
    tokio::time::sleep(target - now).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_on_one_instance_signs_the_session_out_on_another() {
    let moto = Moto::start().await;
    let clients = AwsClients::new(&moto.sdk_config().await);
    create_table(&clients.dynamodb).await;
    // The admin function and the account function: two processes sharing the table.
    let admin_function = Stack::with_integrations(on_table(&clients)).await;
    let account_function = admin_function.another_instance(on_table(&clients)).await;
    let sub = "u-signed-out";
    let session = admin_function.token(sub, &[], 60);
    admin_function
        .enroll_email(&session, "u-signed-out-taken@example.net")
        .await;
    assert_eq!(
        enrollment_token(&account_function, &session).await.status(),
        200
    );

    let admin = admin_function.token("u-sign-out-admin", &[ADMIN_GROUP], 60);
    let reset = reset_through(&admin_function, &admin, sub).await;
    assert_eq!(reset.status(), 200);

    let refused = assert_problem(
        enrollment_token(&account_function, &session).await,
        401,
        "invalid_token",
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("signed out everywhere"),
        "{refused}"
    );
    // Reading is left to the token's expiry.
    assert_eq!(account_function.list(&session).await.len(), 1);
    past_the_sign_out().await;
    let after = admin_function.token(sub, &[], 0);
    assert_eq!(
        enrollment_token(&account_function, &after).await.status(),
        200
    );
}

#[tokio::test]
async fn a_signed_out_admin_can_no_longer_use_the_help_desk() {
    let stack = Stack::with_integrations(Integrations {
        directory: Some(Arc::new(SignsOut)),
        ..Integrations::default()
    })
    .await;
    let taken_over = stack.token("u-admin-taken", &[ADMIN_GROUP], 60);
    let colleague = stack.token("u-admin-colleague", &[ADMIN_GROUP], 60);
    let search = |token: String| {
        let stack = &stack;
        async move {
            stack
                .call(Method::GET, "/v1/admin/users?email=someone", &token, None)
                .await
        }
    };
    assert_eq!(search(taken_over.clone()).await.status(), 200);
    assert_eq!(
        reset_through(&stack, &colleague, "u-admin-taken")
            .await
            .status(),
        200
    );
    assert_problem(search(taken_over.clone()).await, 401, "invalid_token").await;
    let refused = reset_through(&stack, &taken_over, "u-admin-colleague").await;
    assert_problem(refused, 401, "invalid_token").await;
    assert_eq!(search(colleague).await.status(), 200);
}

#[tokio::test]
async fn an_unreachable_table_fails_closed_and_changes_nothing() {
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let unreachable = AwsClients::new(&sdk_config_at(&nowhere).await);
    let stack = Stack::start().await;
    let session = stack.token("u-no-sign-outs", &[], 60);
    stack
        .enroll_email(&session, "u-no-sign-outs-2@example.com")
        .await;
    // Only the sign-outs are out of reach: the step-up replay store stays in memory.
    let broken = stack
        .another_instance(Integrations {
            replay: Arc::new(MemoryReplayStore::default()),
            ..on_table(&unreachable)
        })
        .await;

    let response = enrollment_token(&broken, &session).await;
    assert_eq!(response.headers()["retry-after"], "5");
    assert_problem(response, 503, "session_check_unavailable").await;
    assert_eq!(
        broken.list(&session).await.len(),
        1,
        "reading needs no check"
    );
}

/// A store that answers "never signed out" but cannot record a sign-out.
struct CannotRecord;

#[async_trait::async_trait]
impl SignOuts for CannotRecord {
    async fn record(&self, _: &str, _: SystemTime) -> Result<(), SignOutStoreError> {
        Err(SignOutStoreError("the table is gone".into()))
    }

    async fn last(&self, _: &str) -> Result<Option<u64>, SignOutStoreError> {
        Ok(None)
    }
}

#[tokio::test]
async fn a_reset_whose_sign_out_cannot_be_recorded_removes_nothing() {
    let stack = Stack::with_integrations(Integrations {
        directory: Some(Arc::new(SignsOut)),
        sign_outs: Arc::new(CannotRecord),
        ..Integrations::default()
    })
    .await;
    let sub = "u-unrecorded";
    let session = stack.token(sub, &[], 60);
    let enrolled = stack
        .enroll_email(&session, "u-unrecorded-2@example.com")
        .await;
    let admin = stack.token("u-unrecorded-admin", &[ADMIN_GROUP], 60);
    let refused = reset_through(&stack, &admin, sub).await;
    assert_problem(refused, 503, "session_check_unavailable").await;
    // Neither removed nor replaced by the user's own address: the help desk retries.
    let left: Vec<Value> = stack.list(&session).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], enrolled.as_str());
}

#[tokio::test]
async fn every_route_but_the_two_reads_of_ones_own_account_refuses_a_signed_out_token() {
    // Table-driven over the OpenAPI document, so a route added without the check fails here.
    let sign_outs = Arc::new(MemorySignOuts::default());
    let stack = Stack::with_integrations(Integrations {
        directory: Some(Arc::new(SignsOut)),
        sign_outs: sign_outs.clone(),
        ..Integrations::default()
    })
    .await;
    let sub = "u-every-route";
    let token = stack.token(sub, &[ADMIN_GROUP], 60);
    sign_outs.record(sub, SystemTime::now()).await.unwrap();

    let document = serde_json::to_value(cognito_authsignal::api::openapi()).unwrap();
    let mut refused = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{userId}", "u-someone")
            .replace("{authenticatorId}", "auth-1");
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (method == Method::POST).then(|| json!({}));
            let response = stack.call(method.clone(), &concrete, &token, body).await;
            let reads_own_account = method == Method::GET
                && ["/v1/me", "/v1/me/authenticators"].contains(&path.as_str());
            if reads_own_account {
                assert_eq!(response.status(), 200, "{method} {path}");
            } else {
                assert_problem(response, 401, "invalid_token").await;
                refused.push(format!("{method} {path}"));
            }
        }
    }
    assert_eq!(refused.len(), 8, "{refused:?}");
}
