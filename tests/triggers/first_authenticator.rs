//! A sign-in proves the user's own contact. Authsignal (and the emulator) let a client token
//! enroll anything while the account has no authenticator, and Create hands its token to whoever
//! starts a sign-in with the username; so for a user with none, Create enrolls their own Cognito
//! email first, and the first round's answer counts only as a proof of that email (anything else
//! found on the account is removed). The attacks, then the legitimate first sign-in.

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
pub(crate) struct RecordingContacts {
    marked: Mutex<Vec<(String, String, ContactAttribute, String)>>,
    failing: bool,
}

#[async_trait]
impl ContactVerifier for RecordingContacts {
    async fn mark_verified(
        &self,
        user_pool_id: &str,
        username: &str,
        attribute: ContactAttribute,
        proved: &str,
    ) -> Result<(), MarkVerifiedError> {
        if self.failing {
            return Err(MarkVerifiedError("the user pool is unavailable".into()));
        }
        self.marked.lock().unwrap().push((
            user_pool_id.into(),
            username.into(),
            attribute,
            proved.into(),
        ));
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

pub(crate) struct World {
    pub(crate) local: LocalClient,
    pub(crate) sign_in: SignInChallenge,
    contacts: Arc<RecordingContacts>,
    events: Arc<RecordingEvents>,
}

impl World {
    pub(crate) async fn start() -> World {
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
    pub(crate) async fn round(&self, (sub, email): (&str, &str)) -> (Value, Value) {
        let mut event = create_event(sub, email);
        event["request"]["userAttributes"]["email_verified"] = json!("false");
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

    /// Verify's check of `token` as the answer to the round Create described with `private`.
    pub(crate) async fn answer(
        &self,
        (sub, email): (&str, &str),
        private: &Value,
        token: &str,
    ) -> Result<(), Refusal> {
        let event = verify_event(sub, email, private, token);
        self.sign_in
            .check_answer(&serde_json::from_value(event).unwrap())
            .await
    }

    /// The trigger's answer to Cognito for the same.
    pub(crate) async fn answer_correct(
        &self,
        (sub, email): (&str, &str),
        private: &Value,
        token: &str,
    ) -> bool {
        let event: VerifyAuthChallengeEvent =
            serde_json::from_value(verify_event(sub, email, private, token)).unwrap();
        self.sign_in
            .verify_auth_challenge_response(event)
            .await
            .response
            .answer_correct
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

    /// A passkey the user adds with an `add:authenticators` token (what the API's enrollment
    /// token is).
    pub(crate) async fn add_passkey(&self, sub: &str) -> SoftPasskey {
        let tracked = self
            .sign_in
            .authsignal
            .track(
                sub,
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
                &self.local,
                tracked.token.as_deref().unwrap(),
                sub,
                Fault::None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        passkey
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
async fn the_sign_in_token_of_a_user_with_no_authenticator_cannot_enroll_anything() {
    let world = World::start().await;
    let (public, private) = world.round(VICTIM).await;
    // Create gave the user their own email before handing out a token.
    assert_eq!(
        world.authenticators(VICTIM.0).await,
        vec![("EMAIL_OTP".to_owned(), Some(VICTIM.1.to_owned()))]
    );
    assert_eq!(
        (
            public["isEnrolled"].as_str(),
            public["verificationMethods"].as_str(),
            private["firstAuthenticator"].as_str()
        ),
        (Some("true"), Some("EMAIL_OTP"), Some("true"))
    );
    let token = public["token"].as_str().unwrap();

    // Whoever holds the token can neither enroll their own inbox nor a passkey...
    let (status, body) = world
        .local
        .client_api_raw(
            "user-authenticators/email-otp",
            token,
            Some(json!({ "email": ATTACKER_EMAIL })),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = world
        .local
        .client_api_raw(
            "user-authenticators/passkey/registration-options",
            token,
            Some(json!({ "username": "victim" })),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    // ...and the only code a challenge sends goes to the user's own address.
    world
        .local
        .client_api("challenge/email-otp", token, None)
        .await;
    let (status, outbox) = world.local.outbox_for(ATTACKER_EMAIL).await;
    assert_eq!(
        (status, outbox["messages"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    assert_eq!(world.authenticators(VICTIM.0).await.len(), 1);
}

#[tokio::test]
async fn the_first_sign_in_proves_the_users_own_email_and_records_it() {
    let world = World::start().await;
    let (public, private) = world.round(VICTIM).await;
    let proof = world
        .local
        .answer_email_challenge(public["token"].as_str().unwrap(), VICTIM.1)
        .await;
    assert!(world.answer_correct(VICTIM, &private, &proof).await);
    assert!(world.foreign_removals().is_empty());
    assert_eq!(
        world.contacts.marked.lock().unwrap().as_slice(),
        [(
            "eu-west-1_Fixtures".to_owned(),
            "alice".to_owned(),
            ContactAttribute::Email,
            VICTIM.1.to_owned()
        )]
    );
}

#[tokio::test]
async fn a_user_with_no_email_or_phone_cannot_start_a_sign_in() {
    let world = World::start().await;
    let mut event = create_event("u-no-contact", "unused@example.com");
    let attributes = event["request"]["userAttributes"].as_object_mut().unwrap();
    attributes.remove("email");
    attributes.remove("email_verified");
    let error = world
        .sign_in
        .create_auth_challenge(serde_json::from_value(event).unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "This account has no email address or phone number to sign in with"
    );
    assert_eq!(world.authenticators("u-no-contact").await, vec![]);
}

#[tokio::test]
async fn anything_else_found_in_a_first_round_is_removed_and_a_proof_it_may_have_made_is_refused() {
    let world = World::start().await;
    let (public, private) = world.round(VICTIM).await;
    // Changed outside the service during the round: a second email and a passkey appear.
    for (method, email) in [
        ("EMAIL_OTP", Some(ATTACKER_EMAIL)),
        ("AUTHENTICATOR_APP", None),
    ] {
        world
            .sign_in
            .authsignal
            .enroll_verified_authenticator(
                VICTIM.0,
                &cognito_authsignal::authsignal::EnrollVerifiedAuthenticatorRequest {
                    verification_method: method.to_owned().into(),
                    email: email.map(str::to_owned),
                    phone_number: None,
                    otp_uri: None,
                    is_default: None,
                },
            )
            .await
            .unwrap();
    }
    let proof = world
        .local
        .answer_email_challenge(public["token"].as_str().unwrap(), VICTIM.1)
        .await;
    // Two email authenticators: which one the code proved cannot be told, so no.
    let refused = world.answer(VICTIM, &private, &proof).await;
    assert!(
        matches!(
            refused,
            Err(Refusal::ForeignContact(ContactAttribute::Email))
        ),
        "{refused:?}"
    );
    assert_eq!(
        world.authenticators(VICTIM.0).await,
        vec![("EMAIL_OTP".to_owned(), Some(VICTIM.1.to_owned()))]
    );
    let removals = world.foreign_removals();
    let methods: Vec<_> = removals
        .iter()
        .map(|event| event.detail.verification_method.as_deref().unwrap())
        .collect();
    assert_eq!(methods, ["EMAIL_OTP", "AUTHENTICATOR_APP"]);
    let detail = &removals[0].detail;
    assert_eq!(
        (detail.actor.as_str(), detail.subject.as_str()),
        ("sign-in", VICTIM.0)
    );
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
async fn a_first_round_is_not_answered_with_a_passkey() {
    let world = World::start().await;
    let (public, private) = world.round(VICTIM).await;
    // A passkey the user added meanwhile through the API's enrollment token.
    let mut passkey = world.add_passkey(VICTIM.0).await;
    let verified = passkey
        .sign_in(&world.local, public["token"].as_str().unwrap(), Fault::None)
        .await;
    let refused = world
        .answer(VICTIM, &private, verified["accessToken"].as_str().unwrap())
        .await;
    assert!(
        matches!(refused, Err(Refusal::NoContactProved(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_proof_that_cannot_be_recorded_still_signs_in_and_nothing_is_marked() {
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
    assert!(world.answer_correct(VICTIM, &private, &proof).await);
    assert!(world.contacts.marked.lock().unwrap().is_empty());
}

#[tokio::test]
async fn after_the_first_sign_in_a_passkey_added_later_signs_in() {
    let world = World::start().await;
    // The first sign-in proves the email.
    let (public, private) = world.round(VICTIM).await;
    let proof = world
        .local
        .answer_email_challenge(public["token"].as_str().unwrap(), VICTIM.1)
        .await;
    world.answer(VICTIM, &private, &proof).await.unwrap();

    // Signed in, the user adds a passkey with an `add:authenticators` token (what the API's
    // enrollment token is).
    let mut passkey = world.add_passkey(VICTIM.0).await;

    let (public, private) = world.round(VICTIM).await;
    assert_eq!(private["firstAuthenticator"], "false");
    assert_eq!(public["verificationMethods"], "EMAIL_OTP,PASSKEY");
    let token = public["token"].as_str().unwrap();
    let verified = passkey.sign_in(&world.local, token, Fault::None).await;
    world
        .answer(VICTIM, &private, verified["accessToken"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(world.authenticators(VICTIM.0).await.len(), 2);
}

#[tokio::test]
async fn a_later_round_records_the_proof_when_the_first_answer_was_wrong() {
    let world = World::start().await;
    let (_, first) = world.round(VICTIM).await;
    assert!(!world.answer_correct(VICTIM, &first, "not-a-proof").await);
    let (public, second) = world.round(VICTIM).await;
    assert_eq!(second["firstAuthenticator"], "false");
    let proof = world
        .local
        .answer_email_challenge(public["token"].as_str().unwrap(), VICTIM.1)
        .await;
    assert!(world.answer_correct(VICTIM, &second, &proof).await);
    assert_eq!(
        world.contacts.marked.lock().unwrap().len(),
        1,
        "marked verified"
    );
}

#[tokio::test]
async fn a_changed_cognito_email_is_neither_marked_by_a_proof_of_the_old_one_nor_a_reason_to_remove_anything()
 {
    let world = World::start().await;
    let (public, private) = world.round(VICTIM).await;
    let proof = world
        .local
        .answer_email_challenge(public["token"].as_str().unwrap(), VICTIM.1)
        .await;
    world.answer(VICTIM, &private, &proof).await.unwrap();
    world.contacts.marked.lock().unwrap().clear();

    // Someone holding a session changed the Cognito email (now unverified) to theirs.
    let changed = (VICTIM.0, ATTACKER_EMAIL);
    let (public, private) = world.round(changed).await;
    assert_eq!(private["firstAuthenticator"], "false");
    // The code goes to the enrolled address, the user's own: they sign in, and that proves
    // nothing about the new address.
    let proof = world
        .local
        .answer_email_challenge(public["token"].as_str().unwrap(), VICTIM.1)
        .await;
    assert!(world.answer_correct(changed, &private, &proof).await);
    assert!(world.contacts.marked.lock().unwrap().is_empty());
    assert!(world.foreign_removals().is_empty());
    assert_eq!(
        world.authenticators(VICTIM.0).await,
        vec![("EMAIL_OTP".to_owned(), Some(VICTIM.1.to_owned()))]
    );
}

/// A user whose only contact is a phone number: Create enrolls it, and the first round is
/// answered by SMS.
const PHONE_USER: &str = "u-phone-only";
const PHONE: &str = "+447700900111";
const ATTACKER_PHONE: &str = "+15555550100";

/// `event` with the phone number as the user's only contact.
fn phone_only(mut event: Value) -> Value {
    let attributes = event["request"]["userAttributes"].as_object_mut().unwrap();
    attributes.remove("email");
    attributes.remove("email_verified");
    attributes.insert("phone_number".into(), json!(PHONE));
    attributes.insert("phone_number_verified".into(), json!("false"));
    event
}

impl World {
    async fn phone_round(&self) -> (Value, Value) {
        let event = phone_only(create_event(PHONE_USER, "unused@example.com"));
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

    async fn phone_answer(&self, private: &Value, token: &str) -> Result<(), Refusal> {
        let event = phone_only(verify_event(
            PHONE_USER,
            "unused@example.com",
            private,
            token,
        ));
        self.sign_in
            .check_answer(&serde_json::from_value(event).unwrap())
            .await
    }
}

#[tokio::test]
async fn the_first_sign_in_of_a_phone_only_user_proves_their_own_number_by_sms() {
    let world = World::start().await;
    let (public, private) = world.phone_round().await;
    assert_eq!(private["firstAuthenticator"], "true");
    assert_eq!(public["verificationMethods"], "SMS");
    let proof = world
        .local
        .answer_sms_challenge(public["token"].as_str().unwrap(), PHONE)
        .await;
    world.phone_answer(&private, &proof).await.unwrap();
    assert_eq!(
        world.contacts.marked.lock().unwrap().as_slice(),
        [(
            "eu-west-1_Fixtures".to_owned(),
            "alice".to_owned(),
            ContactAttribute::PhoneNumber,
            PHONE.to_owned()
        )]
    );
}

#[tokio::test]
async fn a_phone_number_that_is_not_the_users_proves_nothing_in_a_first_round() {
    let world = World::start().await;
    let (public, private) = world.phone_round().await;
    let token = public["token"].as_str().unwrap();
    // The round's token cannot add the attacker's number: the user's own was enrolled first.
    let (status, refused) = world
        .local
        .client_api_raw(
            "user-authenticators/sms",
            token,
            Some(json!({ "phoneNumber": ATTACKER_PHONE })),
        )
        .await;
    assert_eq!(status, 403, "{refused}");
    // Added outside the service during the round, and proved by SMS: refused, and removed.
    world
        .sign_in
        .authsignal
        .enroll_verified_authenticator(
            PHONE_USER,
            &cognito_authsignal::authsignal::EnrollVerifiedAuthenticatorRequest {
                verification_method: "SMS".to_owned().into(),
                email: None,
                phone_number: Some(ATTACKER_PHONE.to_owned()),
                otp_uri: None,
                is_default: None,
            },
        )
        .await
        .unwrap();
    let proof = world.local.answer_sms_challenge(token, PHONE).await;
    let refused = world.phone_answer(&private, &proof).await;
    assert!(
        matches!(
            refused,
            Err(Refusal::ForeignContact(ContactAttribute::PhoneNumber))
        ),
        "{refused:?}"
    );
    let left: Vec<_> = world
        .sign_in
        .authsignal
        .get_authenticators(PHONE_USER)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.phone_number)
        .collect();
    assert_eq!(left, vec![Some(PHONE.to_owned())]);
    assert!(world.contacts.marked.lock().unwrap().is_empty());
}
