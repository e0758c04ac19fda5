//! A sign-in proves the user's own contact: until a user has proved their Cognito email once,
//! every round is a first-authenticator round, in which only a proof of that very email counts
//! and anything else found on the account (enrolled by whoever started a sign-in with the
//! username) is removed. The attacks, then the legitimate first sign-in, against the emulator
//! (which, like Authsignal, lets the sign-in token enroll anything while the account has none).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cognito_authsignal::config::SignInConfig;
use cognito_authsignal::contact::ContactAttribute;
use cognito_authsignal::events::{ChangeEvent, ChangeKind, ChangePublisher, PublishError};
use cognito_authsignal::triggers::verify::Refusal;
use cognito_authsignal::triggers::{SignInChallenge, VerifyAuthChallengeEvent};
use cognito_authsignal::verified_contacts::{ContactVerifier, MarkVerifiedError};
use serde_json::{Value, json};

use crate::soft_passkey::{Fault, SoftPasskey};
use crate::support::{LocalClient, challenge, create_event, emulator, verify_event};

const VICTIM: (&str, &str) = ("u-victim", "victim@example.com");
const ATTACKER_EMAIL: &str = "attacker@example.net";

/// Records what Verify marked verified, or fails every time.
#[derive(Default)]
struct RecordingContacts {
    marked: Mutex<Vec<(String, String, ContactAttribute)>>,
    failing: bool,
}

#[async_trait]
impl ContactVerifier for RecordingContacts {
    async fn mark_verified(
        &self,
        user_pool_id: &str,
        username: &str,
        attribute: ContactAttribute,
    ) -> Result<(), MarkVerifiedError> {
        if self.failing {
            return Err(MarkVerifiedError("the user pool is unavailable".into()));
        }
        self.marked
            .lock()
            .unwrap()
            .push((user_pool_id.into(), username.into(), attribute));
        Ok(())
    }
}

#[derive(Default)]
struct RecordingEvents(Mutex<Vec<ChangeEvent>>);

#[async_trait]
impl ChangePublisher for RecordingEvents {
    async fn publish(&self, event: &ChangeEvent) -> Result<(), PublishError> {
        self.0.lock().unwrap().push(event.clone());
        Ok(())
    }
}

struct World {
    local: LocalClient,
    sign_in: SignInChallenge,
    contacts: Arc<RecordingContacts>,
    events: Arc<RecordingEvents>,
}

impl World {
    async fn start() -> World {
        Self::with_contacts(RecordingContacts::default()).await
    }

    async fn with_contacts(contacts: RecordingContacts) -> World {
        let (local, api_url) = emulator().await;
        let contacts = Arc::new(contacts);
        let events = Arc::new(RecordingEvents::default());
        let sign_in = challenge(
            &api_url,
            SignInConfig::default(),
            std::time::Duration::from_secs(2),
        )
        .with_contacts(contacts.clone())
        .with_changes(Some(events.clone()));
        World {
            local,
            sign_in,
            contacts,
            events,
        }
    }

    /// A round for `user`, whose email is not yet verified in Cognito: the public and private
    /// parameters.
    async fn round(&self, user: (&str, &str)) -> (Value, Value) {
        self.round_with(user, false).await
    }

    async fn round_with(&self, (sub, email): (&str, &str), email_verified: bool) -> (Value, Value) {
        let mut event = create_event(sub, email);
        event["request"]["userAttributes"]["email_verified"] = json!(email_verified.to_string());
        let created = self
            .sign_in
            .create_auth_challenge(serde_json::from_value(event).unwrap())
            .await
            .unwrap()
            .response;
        (
            json!(created.public_challenge_parameters),
            json!(created.private_challenge_parameters),
        )
    }

    async fn answer(
        &self,
        (sub, email): (&str, &str),
        private: &Value,
        token: &str,
    ) -> Result<(), Refusal> {
        let event: VerifyAuthChallengeEvent =
            serde_json::from_value(verify_event(sub, email, private, token)).unwrap();
        let outcome = self.sign_in.check_answer(&event).await;
        let correct = self
            .sign_in
            .verify_auth_challenge_response(event)
            .await
            .response
            .answer_correct;
        assert_eq!(correct, outcome.is_ok(), "{outcome:?}");
        outcome
    }

    /// The user's authenticators at Authsignal (Server API): (method, email).
    async fn authenticators(&self, sub: &str) -> Vec<(String, Option<String>)> {
        self.sign_in
            .authsignal
            .get_authenticators(sub)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.verification_method.to_string(), a.email))
            .collect()
    }

    /// What `email.enroll({email})` then `email.verify({code})` do with the sign-in token: the
    /// validation token.
    async fn enroll_email_with(&self, token: &str, email: &str) -> String {
        self.local
            .client_api(
                "user-authenticators/email-otp",
                token,
                Some(json!({ "email": email })),
            )
            .await;
        let code = self.local.code_for(email).await;
        let verified = self
            .local
            .client_api(
                "verify/email-otp",
                token,
                Some(json!({ "verificationCode": code })),
            )
            .await;
        assert_eq!(verified["isVerified"], true, "{verified}");
        verified["accessToken"].as_str().unwrap().to_owned()
    }

    fn foreign_removals(&self) -> Vec<ChangeEvent> {
        self.events
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|event| event.kind == ChangeKind::ForeignAuthenticatorRemoved)
            .cloned()
            .collect()
    }
}

#[tokio::test]
async fn someone_who_knows_the_username_cannot_sign_in_with_their_own_email() {
    let world = World::start().await;
    let (public, private) = world.round(VICTIM).await;
    assert_eq!(
        (
            public["isEnrolled"].as_str(),
            private["firstAuthenticator"].as_str()
        ),
        (Some("false"), Some("true"))
    );

    // The attacker enrolls their own inbox with the round's token and proves it.
    let proof = world
        .enroll_email_with(public["token"].as_str().unwrap(), ATTACKER_EMAIL)
        .await;
    let refused = world.answer(VICTIM, &private, &proof).await;
    assert!(
        matches!(
            refused,
            Err(Refusal::ForeignContact(ContactAttribute::Email))
        ),
        "{refused:?}"
    );

    // The foreign authenticator is gone, said so once, and nothing was marked verified.
    assert_eq!(world.authenticators(VICTIM.0).await, vec![]);
    let removals = world.foreign_removals();
    assert_eq!(removals.len(), 1, "{removals:?}");
    let detail = &removals[0].detail;
    assert_eq!(
        (detail.actor.as_str(), detail.subject.as_str()),
        ("sign-in", VICTIM.0)
    );
    assert_eq!(detail.verification_method.as_deref(), Some("EMAIL_OTP"));
    assert_eq!(
        detail.request_id,
        private["idempotencyKey"].as_str().unwrap()
    );
    assert_eq!(detail.client_id, "fixtureclient");
    assert!(
        !serde_json::to_string(detail)
            .unwrap()
            .contains(ATTACKER_EMAIL)
    );
    assert!(world.contacts.marked.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_authenticator_left_by_an_abandoned_round_is_removed_at_the_next_one() {
    let world = World::start().await;
    // Round 1: the attacker enrolls their inbox and never answers.
    let (public, _) = world.round(VICTIM).await;
    world
        .enroll_email_with(public["token"].as_str().unwrap(), ATTACKER_EMAIL)
        .await;

    // Round 2: Authsignal now says "enrolled", but nobody has proved the victim's email.
    let (public, private) = world.round(VICTIM).await;
    assert_eq!(
        (
            public["isEnrolled"].as_str(),
            private["firstAuthenticator"].as_str()
        ),
        (Some("true"), Some("true"))
    );
    // email.challenge() now sends the code to the only enrolled email: the attacker's.
    let proof = world
        .local
        .answer_email_challenge(public["token"].as_str().unwrap(), ATTACKER_EMAIL)
        .await;
    let refused = world.answer(VICTIM, &private, &proof).await;
    assert!(
        matches!(refused, Err(Refusal::ForeignContact(_))),
        "{refused:?}"
    );
    assert_eq!(world.authenticators(VICTIM.0).await, vec![]);
    assert_eq!(world.foreign_removals().len(), 1);

    // The victim's own first sign-in then works.
    let (public, private) = world.round(VICTIM).await;
    let proof = world
        .local
        .answer_email_challenge(public["token"].as_str().unwrap(), VICTIM.1)
        .await;
    world.answer(VICTIM, &private, &proof).await.unwrap();
}

#[tokio::test]
async fn a_passkey_cannot_be_the_first_authenticator() {
    let world = World::start().await;
    let (public, private) = world.round(VICTIM).await;
    let token = public["token"].as_str().unwrap();
    let mut passkey = SoftPasskey::new("localhost", "http://localhost:5173");
    let (status, body) = passkey
        .enroll(&world.local, token, "victim", Fault::None)
        .await;
    assert_eq!(status, 200, "{body}");
    let verified = passkey.sign_in(&world.local, token, Fault::None).await;
    let proof = verified["accessToken"].as_str().unwrap();

    let refused = world.answer(VICTIM, &private, proof).await;
    assert!(
        matches!(refused, Err(Refusal::NoContactProved(_))),
        "{refused:?}"
    );
    assert_eq!(world.authenticators(VICTIM.0).await, vec![]);
    let removals = world.foreign_removals();
    assert_eq!(removals.len(), 1);
    assert_eq!(
        removals[0].detail.verification_method.as_deref(),
        Some("PASSKEY")
    );
}

#[tokio::test]
async fn the_user_enrolling_their_own_email_with_the_challenge_token_signs_in_and_it_is_recorded() {
    let world = World::start().await;
    let (public, private) = world.round(VICTIM).await;
    // As Authsignal's sign-up example does (`email.enroll({email})`), in another case.
    let proof = world
        .enroll_email_with(public["token"].as_str().unwrap(), "Victim@Example.com")
        .await;
    world.answer(VICTIM, &private, &proof).await.unwrap();
    assert_eq!(world.authenticators(VICTIM.0).await.len(), 1);
    assert!(world.foreign_removals().is_empty());
    assert_eq!(
        world.contacts.marked.lock().unwrap().first(),
        Some(&(
            "eu-west-1_Fixtures".to_owned(),
            "alice".to_owned(),
            ContactAttribute::Email
        ))
    );
}

#[tokio::test]
async fn a_proof_that_cannot_be_recorded_is_refused_so_the_next_round_stays_strict() {
    let world = World::with_contacts(RecordingContacts {
        failing: true,
        ..RecordingContacts::default()
    })
    .await;
    let (public, private) = world.round(VICTIM).await;
    let proof = world
        .local
        .answer_email_challenge(public["token"].as_str().unwrap(), VICTIM.1)
        .await;
    let refused = world.answer(VICTIM, &private, &proof).await;
    assert!(
        matches!(refused, Err(Refusal::NotRecorded(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn once_the_email_is_proved_a_passkey_added_later_signs_in() {
    let world = World::start().await;
    // The first sign-in proves the email; Cognito now says email_verified.
    let (public, private) = world.round(VICTIM).await;
    let proof = world
        .local
        .answer_email_challenge(public["token"].as_str().unwrap(), VICTIM.1)
        .await;
    world.answer(VICTIM, &private, &proof).await.unwrap();

    // Signed in, the user adds a passkey with an `add:authenticators` token (what the API's
    // enrollment token is).
    let tracked = world
        .sign_in
        .authsignal
        .track(
            VICTIM.0,
            "enrollAuthenticator",
            &cognito_authsignal::authsignal::TrackAttributes {
                scope: Some("add:authenticators".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut passkey = SoftPasskey::new("localhost", "http://localhost:5173");
    let (status, body) = passkey
        .enroll(
            &world.local,
            tracked.token.as_deref().unwrap(),
            "victim",
            Fault::None,
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (public, private) = world.round_with(VICTIM, true).await;
    assert_eq!(private["firstAuthenticator"], "false");
    let token = public["token"].as_str().unwrap();
    let verified = passkey.sign_in(&world.local, token, Fault::None).await;
    world
        .answer(VICTIM, &private, verified["accessToken"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(world.authenticators(VICTIM.0).await.len(), 2);
}
