//! Step-up replay protection across instances: one contract for both replay stores (in memory,
//! DynamoDB on moto), two API instances sharing a table, and a table that cannot be reached.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cognito_authsignal::config::IntegrationsConfig;
use cognito_authsignal::integrations::{AwsClients, Integrations};
use cognito_authsignal::replay::dynamodb::{DynamoDbReplayStore, EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE};
use cognito_authsignal::replay::{ChallengeDigest, MemoryReplayStore, ReplayStore};
use cognito_authsignal::revocation::MemorySignOuts;
use cognito_authsignal_local::aws::{self, TableSpec};
use reqwest::Method;

use crate::helpers::*;
use crate::moto::{Moto, free_port, sdk_config_at};

pub(crate) const TABLE: &str = "step-up-replay";

/// The table as the infrastructure creates it (the same code `dev --aws-local` uses).
pub(crate) async fn create_table(client: &aws_sdk_dynamodb::Client) {
    let table = TableSpec {
        name: TABLE,
        key: KEY_ATTRIBUTE,
        ttl: EXPIRY_ATTRIBUTE,
    };
    aws::create_table(client, table).await.unwrap();
}

/// What every replay store must do.
async fn contract(store: Arc<dyn ReplayStore>) {
    let now = SystemTime::now();
    let later = now + Duration::from_secs(600);
    let a = ChallengeDigest::of("u", "removeAuthenticator", "challenge-a");
    assert!(store.first_use(&a, later).await.unwrap(), "first use");
    assert!(!store.first_use(&a, later).await.unwrap(), "second use");
    assert!(
        store
            .first_use(
                &ChallengeDigest::of("u", "removeAuthenticator", "challenge-b"),
                later
            )
            .await
            .unwrap(),
        "another challenge"
    );

    // A record past its expiry no longer counts, even before anything deletes it.
    let c = ChallengeDigest::of("u", "removeAuthenticator", "challenge-c");
    let past = now - Duration::from_secs(1);
    assert!(store.first_use(&c, past).await.unwrap());
    assert!(store.first_use(&c, later).await.unwrap(), "expired record");
    assert!(!store.first_use(&c, later).await.unwrap());

    // Concurrent first uses: exactly one wins.
    let d = ChallengeDigest::of("u", "removeAuthenticator", "challenge-d");
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
    let challenge_a = ChallengeDigest::of("u", "removeAuthenticator", "challenge-a").to_hex();
    assert!(
        items
            .iter()
            .any(|item| item[KEY_ATTRIBUTE].as_s().unwrap() == &challenge_a)
    );
    for item in items {
        let digest = item[KEY_ATTRIBUTE].as_s().unwrap();
        assert_eq!(
            digest.len(),
            64,
            "a SHA-256 in hex, never the challenge's parts: {digest}"
        );
        assert!(!digest.contains("challenge"));
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
    let (stale, ids, [_, validation]) = stale_user_with_both_tokens(stack, sub).await;
    (stale, ids, validation)
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
    assert_eq!(first.status(), 200);
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
    // Only the replay store is out of reach: sign-outs stay in memory.
    let stack = Stack::with_integrations(Integrations {
        sign_outs: Arc::new(MemorySignOuts::default()),
        ..dynamodb_replay(&clients)
    })
    .await;
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

/// A user with three email authenticators and a stale sign-in; the ids of the first two, and
/// both tokens of one removal step-up: its own track token and the validation token of its
/// succeeded challenge.
async fn stale_user_with_both_tokens(
    stack: &Stack,
    sub: &str,
) -> (String, Vec<String>, [String; 2]) {
    let fresh = stack.token(sub, &[], 60);
    let mut ids = Vec::new();
    for n in 1..=3 {
        ids.push(
            stack
                .enroll_email(&fresh, &format!("{sub}-{n}@example.com"))
                .await,
        );
    }
    ids.truncate(2);
    let stale = stack.token(sub, &[], 7_200);
    let (track, validation) = stack
        .step_up_tokens(
            &stale,
            "removeAuthenticator",
            &format!("{sub}-1@example.com"),
        )
        .await;
    (stale, ids, [track, validation])
}

/// Spends both tokens of one step-up of a new user `sub`, in `order`, on two removals: the
/// first through `first_at`, the second through `second_at`. The second answer, once the user
/// is checked to have lost exactly one authenticator.
async fn spend_one_step_up_twice(
    stack: &Stack,
    (first_at, second_at): (&LocalClient, &LocalClient),
    sub: &str,
    order: [usize; 2],
) -> reqwest::Response {
    let (stale, ids, tokens) = stale_user_with_both_tokens(stack, sub).await;
    let [first, second] = order.map(|index| tokens[index].as_str());
    let removed = remove_with(first_at, &stale, &ids[0], first).await;
    assert_eq!(removed.status(), 200, "{sub}");
    let replayed = remove_with(second_at, &stale, &ids[1], second).await;
    assert_eq!(
        stack.list(&stack.token(sub, &[], 60)).await.len(),
        2,
        "{sub}"
    );
    replayed
}

/// Removes `id` as `stale` with `proof` through `instance`.
async fn remove_with(
    instance: &LocalClient,
    stale: &str,
    id: &str,
    proof: &str,
) -> reqwest::Response {
    instance
        .call_with(
            Method::DELETE,
            &format!("/v1/me/authenticators/{id}"),
            stale,
            None,
            &[("Authsignal-Validation-Token", proof)],
        )
        .await
}

const TRACK_FIRST: [usize; 2] = [0, 1];
const VALIDATION_FIRST: [usize; 2] = [1, 0];

#[tokio::test]
async fn one_step_up_authorises_one_operation_whichever_of_its_tokens_comes_first() {
    let stack = Stack::start().await;
    let one_instance = (&stack.client, &stack.client);
    for (order, sub) in [
        (TRACK_FIRST, "u-track-first"),
        (VALIDATION_FIRST, "u-validation-first"),
    ] {
        let replayed = spend_one_step_up_twice(&stack, one_instance, sub, order).await;
        assert_problem(replayed, 403, "reauthentication_required").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_step_up_authorises_one_operation_across_instances_sharing_the_table() {
    let moto = Moto::start().await;
    let clients = AwsClients::new(&moto.sdk_config().await);
    create_table(&clients.dynamodb).await;
    let stack = Stack::with_integrations(dynamodb_replay(&clients)).await;
    let second_instance = stack.another_instance(dynamodb_replay(&clients)).await;
    let two_instances = (&stack.client, &second_instance);
    for (order, sub) in [
        (TRACK_FIRST, "u-shared-track"),
        (VALIDATION_FIRST, "u-shared-validation"),
    ] {
        let replayed = spend_one_step_up_twice(&stack, two_instances, sub, order).await;
        let body = assert_problem(replayed, 403, "reauthentication_required").await;
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("This step-up was already used."),
            "{sub}: {detail}"
        );
    }
}
