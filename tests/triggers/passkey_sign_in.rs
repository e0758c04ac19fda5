//! A passkey sign-in the client runs before Cognito's round exists (usernameless, or autofill on
//! the username field) answers a round when it proves a passkey of this very user, for the
//! sign-in action, recently, once. The attacks first, then the sign-in itself.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use cognito_authsignal::authsignal::VerificationMethod;
use cognito_authsignal::replay::{ChallengeDigest, ReplayStore, ReplayStoreError};
use cognito_authsignal::triggers::verify::Refusal;
use cognito_authsignal_local::authsignal::TENANT_ID;
use serde_json::{Value, json};

use crate::first_authenticator::World;
use crate::soft_passkey::{Fault, SoftPasskey};

const ALICE: (&str, &str) = ("u-alice", "alice@example.com");
const BOB: (&str, &str) = ("u-bob", "bob@example.com");
/// The trigger's sign-in action (`support::challenge`).
const SIGN_IN: &str = "cognitoAuth";

/// `user` proves their email at a first sign-in, then adds a passkey.
async fn with_passkey(world: &World, user: (&str, &str)) -> SoftPasskey {
    let (public, private) = world.round(user).await;
    let proof = world
        .local
        .answer_email_challenge(public["token"].as_str().unwrap(), user.1)
        .await;
    world.answer(user, &private, &proof).await.unwrap();
    world.add_passkey(user.0).await
}

/// The token of a sign-in with `passkey` for `action`, started with no token and no username.
async fn sign_in_without_username(
    world: &World,
    passkey: &mut SoftPasskey,
    action: &str,
) -> String {
    let verified = passkey
        .sign_in_without_username(&world.local, TENANT_ID, action, Fault::None)
        .await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    verified["accessToken"].as_str().unwrap().to_owned()
}

fn passkey_answer(token: &str) -> String {
    json!({ "token": token, "kind": "passkeySignIn" }).to_string()
}

/// A round that is not a first-authenticator round.
async fn later_round(world: &World, user: (&str, &str)) -> Value {
    let (_, private) = world.round(user).await;
    assert_eq!(private["firstAuthenticator"], "false");
    private
}

#[tokio::test]
async fn another_users_passkey_does_not_answer() {
    let world = World::start().await;
    with_passkey(&world, ALICE).await;
    let mut bobs = with_passkey(&world, BOB).await;
    let token = sign_in_without_username(&world, &mut bobs, SIGN_IN).await;
    let private = later_round(&world, ALICE).await;
    let refused = world.answer(ALICE, &private, &passkey_answer(&token)).await;
    assert!(
        matches!(refused, Err(Refusal::NotValid { .. })),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_passkey_sign_in_answers_one_round_only() {
    let world = World::start().await;
    let mut passkey = with_passkey(&world, ALICE).await;
    let token = sign_in_without_username(&world, &mut passkey, SIGN_IN).await;
    let first = later_round(&world, ALICE).await;
    world
        .answer(ALICE, &first, &passkey_answer(&token))
        .await
        .unwrap();
    let second = later_round(&world, ALICE).await;
    let refused = world.answer(ALICE, &second, &passkey_answer(&token)).await;
    assert!(matches!(refused, Err(Refusal::Replayed)), "{refused:?}");
}

#[tokio::test]
async fn a_rounds_passkey_proof_does_not_answer_another_round_as_a_passkey_sign_in() {
    let world = World::start().await;
    let mut passkey = with_passkey(&world, ALICE).await;
    let (public, first) = world.round(ALICE).await;
    let verified = passkey
        .sign_in(&world.local, public["token"].as_str().unwrap(), Fault::None)
        .await;
    let proof = verified["accessToken"].as_str().unwrap();
    world.answer(ALICE, &first, proof).await.unwrap();
    // The same proof, minutes fresh, by passkey, for this user and action: still one challenge.
    let second = later_round(&world, ALICE).await;
    let refused = world.answer(ALICE, &second, &passkey_answer(proof)).await;
    assert!(matches!(refused, Err(Refusal::Replayed)), "{refused:?}");
}

#[tokio::test]
async fn an_old_passkey_sign_in_does_not_answer() {
    let mut world = World::start().await;
    world.sign_in.policy.passkey_sign_in_max_age = Duration::from_secs(1);
    let mut passkey = with_passkey(&world, ALICE).await;
    let token = sign_in_without_username(&world, &mut passkey, SIGN_IN).await;
    // Authsignal dates a success to the second; two are past the one allowed.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let private = later_round(&world, ALICE).await;
    let refused = world.answer(ALICE, &private, &passkey_answer(&token)).await;
    assert!(matches!(refused, Err(Refusal::Stale)), "{refused:?}");
}

#[tokio::test]
async fn an_email_code_presented_as_a_passkey_sign_in_does_not_answer() {
    let world = World::start().await;
    with_passkey(&world, ALICE).await;
    let (public, private) = world.round(ALICE).await;
    let proof = world
        .local
        .answer_email_challenge(public["token"].as_str().unwrap(), ALICE.1)
        .await;
    let refused = world.answer(ALICE, &private, &passkey_answer(&proof)).await;
    assert!(
        matches!(
            refused,
            Err(Refusal::NotAPasskey(Some(VerificationMethod::EmailOtp)))
        ),
        "{refused:?}"
    );
    // The same proof still answers its own round, as a round's answer.
    world.answer(ALICE, &private, &proof).await.unwrap();
}

#[tokio::test]
async fn a_passkey_sign_in_for_another_action_does_not_answer() {
    let world = World::start().await;
    let mut passkey = with_passkey(&world, ALICE).await;
    let token = sign_in_without_username(&world, &mut passkey, "enrollAuthenticator").await;
    let private = later_round(&world, ALICE).await;
    let refused = world.answer(ALICE, &private, &passkey_answer(&token)).await;
    assert!(
        matches!(refused, Err(Refusal::NotValid { .. })),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_passkey_sign_in_presented_as_a_rounds_answer_is_not_this_round() {
    let world = World::start().await;
    let mut passkey = with_passkey(&world, ALICE).await;
    let token = sign_in_without_username(&world, &mut passkey, SIGN_IN).await;
    let private = later_round(&world, ALICE).await;
    let refused = world.answer(ALICE, &private, &token).await;
    assert!(
        matches!(refused, Err(Refusal::Mismatch("sign-in round"))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_passkey_sign_in_never_answers_a_first_authenticator_round() {
    let world = World::start().await;
    let mut passkey = with_passkey(&world, ALICE).await;
    let token = sign_in_without_username(&world, &mut passkey, SIGN_IN).await;
    let mut private = later_round(&world, ALICE).await;
    // As Create marks a round when the account had no authenticator of its own.
    private["firstAuthenticator"] = json!("true");
    let refused = world.answer(ALICE, &private, &passkey_answer(&token)).await;
    assert!(
        matches!(
            refused,
            Err(Refusal::NoContactProved(Some(VerificationMethod::Passkey)))
        ),
        "{refused:?}"
    );
}

struct UnavailableStore;

#[async_trait]
impl ReplayStore for UnavailableStore {
    async fn first_use(
        &self,
        _: &ChallengeDigest,
        _: SystemTime,
    ) -> Result<bool, ReplayStoreError> {
        Err(ReplayStoreError("the table is unreachable".into()))
    }
}

#[tokio::test]
async fn a_passkey_sign_in_is_refused_when_single_use_cannot_be_checked() {
    let mut world = World::start().await;
    world.sign_in = world
        .sign_in
        .clone()
        .with_replay(Arc::new(UnavailableStore));
    let mut passkey = with_passkey(&world, ALICE).await;
    let token = sign_in_without_username(&world, &mut passkey, SIGN_IN).await;
    let private = later_round(&world, ALICE).await;
    let answer = passkey_answer(&token);
    let refused = world.answer(ALICE, &private, &answer).await;
    assert!(
        matches!(refused, Err(Refusal::ReplayStoreUnavailable(_))),
        "{refused:?}"
    );
    assert!(!world.answer_correct(ALICE, &private, &answer).await);
}

#[tokio::test]
async fn a_passkey_sign_in_without_a_username_answers_a_round_of_its_user() {
    let world = World::start().await;
    let mut passkey = with_passkey(&world, ALICE).await;
    let verified = passkey
        .sign_in_without_username(&world.local, TENANT_ID, SIGN_IN, Fault::None)
        .await;
    // Who signed in, and the Cognito username Create gave Authsignal, to start CUSTOM_AUTH with.
    assert_eq!(verified["userId"], ALICE.0, "{verified}");
    assert_eq!(verified["username"], "alice", "{verified}");
    let token = verified["accessToken"].as_str().unwrap();
    let private = later_round(&world, ALICE).await;
    assert!(
        world
            .answer_correct(ALICE, &private, &passkey_answer(token))
            .await
    );
}
