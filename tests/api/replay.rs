//! Step-up replay protection across instances: one contract for both replay stores (in memory,
//! DynamoDB on moto), two API instances sharing a table, and a table that cannot be reached.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cognito_authsignal::config::IntegrationsConfig;
use cognito_authsignal::integrations::{AwsClients, Integrations};
use cognito_authsignal::local::aws::create_replay_table;
use cognito_authsignal::replay::dynamodb::{DynamoDbReplayStore, EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE};
use cognito_authsignal::replay::{MemoryReplayStore, ReplayStore, TokenDigest};
use reqwest::Method;

use crate::helpers::*;
use crate::moto::{Moto, free_port, sdk_config_at};

const TABLE: &str = "step-up-replay";

/// The table as the infrastructure creates it (the same code `dev --aws-local` uses).
async fn create_table(client: &aws_sdk_dynamodb::Client) {
    create_replay_table(client, TABLE).await.unwrap();
}

/// What every replay store must do.
async fn contract(store: Arc<dyn ReplayStore>) {
    let now = SystemTime::now();
    let later = now + Duration::from_secs(600);
    let a = TokenDigest::of("token-a");
    assert!(store.first_use(&a, later).await.unwrap(), "first use");
    assert!(!store.first_use(&a, later).await.unwrap(), "second use");
    assert!(
        store
            .first_use(&TokenDigest::of("token-b"), later)
            .await
            .unwrap(),
        "another token"
    );

    // A record past its expiry no longer counts, even before anything deletes it.
    let c = TokenDigest::of("token-c");
    let past = now - Duration::from_secs(1);
    assert!(store.first_use(&c, past).await.unwrap());
    assert!(store.first_use(&c, later).await.unwrap(), "expired record");
    assert!(!store.first_use(&c, later).await.unwrap());

    // Concurrent first uses: exactly one wins.
    let d = TokenDigest::of("token-d");
    let attempts = (0..16).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.first_use(&d, later).await.unwrap() })
    });
    let mut winners = 0;
    for attempt in attempts {
        winners += usize::from(attempt.await.unwrap());
    }
    assert_eq!(winners, 1);
}

#[tokio::test]
async fn the_in_memory_store_keeps_the_contract() {
    contract(Arc::new(MemoryReplayStore::default())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamodb_store_keeps_the_contract_and_stores_only_digests() {
    let moto = Moto::start().await;
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    create_table(&client).await;
    contract(Arc::new(DynamoDbReplayStore::new(client.clone(), TABLE))).await;

    let items = client.scan().table_name(TABLE).send().await.unwrap();
    let items = items.items();
    assert_eq!(items.len(), 4);
    let token_a = TokenDigest::of("token-a").to_hex();
    assert!(
        items
            .iter()
            .any(|item| item[KEY_ATTRIBUTE].as_s().unwrap() == &token_a)
    );
    for item in items {
        let digest = item[KEY_ATTRIBUTE].as_s().unwrap();
        assert_eq!(
            digest.len(),
            64,
            "a SHA-256 in hex, never the token: {digest}"
        );
        assert!(!digest.contains("token"));
        let expires: u64 = item[EXPIRY_ATTRIBUTE].as_n().unwrap().parse().unwrap();
        assert!(expires > 1_700_000_000, "epoch seconds for DynamoDB's TTL");
    }
}

fn dynamodb_replay(clients: &AwsClients) -> Integrations {
    let config = IntegrationsConfig {
        replay_table: Some(TABLE.into()),
        ..IntegrationsConfig::default()
    };
    Integrations::with_clients(&config, "eu-west-1_ApiTests", clients)
}

/// A user with three email authenticators (so removing two is allowed), a stale sign-in and a
/// removal step-up token.
async fn stale_user_with_proof(stack: &Stack, sub: &str) -> (String, Vec<String>, String) {
    let fresh = stack.token(sub, &[], 60);
    let first = stack
        .enroll_email(&fresh, &format!("{sub}-1@example.com"))
        .await;
    let second = stack
        .enroll_email(&fresh, &format!("{sub}-2@example.com"))
        .await;
    stack
        .enroll_email(&fresh, &format!("{sub}-3@example.com"))
        .await;
    let stale = stack.token(sub, &[], 7_200);
    let proof = stack
        .step_up(
            &stale,
            "removeAuthenticator",
            &format!("{sub}-1@example.com"),
        )
        .await;
    (stale, vec![first, second], proof)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_up_token_used_on_one_instance_is_refused_on_another() {
    let moto = Moto::start().await;
    let clients = AwsClients::new(&moto.sdk_config().await);
    create_table(&clients.dynamodb).await;
    let stack = Stack::with_integrations(dynamodb_replay(&clients)).await;
    let second_instance = stack.another_instance(dynamodb_replay(&clients)).await;
    let (stale, ids, proof) = stale_user_with_proof(&stack, "u-replay").await;
    let with_proof = [("Authsignal-Validation-Token", proof.as_str())];

    let first = stack
        .call_with(
            Method::DELETE,
            &format!("/v1/me/authenticators/{}", ids[0]),
            &stale,
            None,
            &with_proof,
        )
        .await;
    assert_eq!(first.status(), 204);
    let replayed = second_instance
        .call_with(
            Method::DELETE,
            &format!("/v1/me/authenticators/{}", ids[1]),
            &stale,
            None,
            &with_proof,
        )
        .await;
    assert_problem(replayed, 403, "reauthentication_required").await;
    assert_eq!(stack.list(&stack.token("u-replay", &[], 60)).await.len(), 2);
}

#[tokio::test]
async fn an_unreachable_table_fails_closed_and_changes_nothing() {
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let clients = AwsClients::new(&sdk_config_at(&nowhere).await);
    let stack = Stack::with_integrations(dynamodb_replay(&clients)).await;
    let (stale, ids, proof) = stale_user_with_proof(&stack, "u-no-table").await;
    let response = stack
        .call_with(
            Method::DELETE,
            &format!("/v1/me/authenticators/{}", ids[0]),
            &stale,
            None,
            &[("Authsignal-Validation-Token", &proof)],
        )
        .await;
    assert_eq!(response.headers()["retry-after"], "5");
    assert_problem(response, 503, "replay_store_unavailable").await;
    assert_eq!(
        stack.list(&stack.token("u-no-table", &[], 60)).await.len(),
        3
    );
}
