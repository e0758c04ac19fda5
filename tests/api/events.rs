//! Change events on EventBridge (moto, with a rule that forwards the bus to an SQS queue): every
//! change puts one event whose detail matches its schema in `events/` (the Verify trigger's
//! removal of a foreign authenticator included), nothing is put without `EVENT_BUS_NAME`, and a
//! bus that rejects the event never fails the change.

use std::collections::HashMap;
use std::time::Duration;

use cognito_authsignal::config::DEFAULT_EVENT_SOURCE;
use cognito_authsignal::config::IntegrationsConfig;
use cognito_authsignal::directory::{
    DirectoryError, DirectoryUser, UserDirectory, UserPage, UserQuery,
};
use cognito_authsignal::events::ChangeKind;
use cognito_authsignal::integrations::{AwsClients, Integrations};
use cognito_authsignal_local::aws::{BusSpec, forward_events_to_queue};
use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;
use crate::moto::{Moto, sdk_config_at};

pub(crate) const BUS: &str = "security-events";

/// A bus whose events with our source land in an SQS queue (the same wiring `dev --aws-local`
/// uses); returns the queue URL.
pub(crate) async fn bus_forwarded_to_a_queue(moto: &Moto) -> (aws_sdk_sqs::Client, String) {
    let sdk = moto.sdk_config().await;
    let bus = BusSpec {
        name: BUS,
        source: DEFAULT_EVENT_SOURCE,
        queue: "change-events",
    };
    let queue_url = forward_events_to_queue(&sdk, bus).await.unwrap();
    (aws_sdk_sqs::Client::new(&sdk), queue_url)
}

/// Every message in the queue after `settle`.
pub(crate) async fn drain(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    settle: Duration,
) -> Vec<Value> {
    tokio::time::sleep(settle).await;
    let mut events = Vec::new();
    loop {
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        let messages = received.messages();
        if messages.is_empty() {
            return events;
        }
        for message in messages {
            events.push(serde_json::from_str(message.body().unwrap()).unwrap());
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(message.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

/// A user pool that has whoever is looked up (with an email of their own) and signs anyone out:
/// what a reset needs besides Authsignal.
pub(crate) struct SignsOut;

#[async_trait::async_trait]
impl UserDirectory for SignsOut {
    async fn find_users(&self, query: &UserQuery) -> Result<UserPage, DirectoryError> {
        Ok(UserPage {
            users: vec![DirectoryUser {
                sub: query.value().to_owned(),
                username: query.value().to_owned(),
                status: "CONFIRMED".into(),
                enabled: true,
                created_at: None,
                email: Some(format!("{}-own@example.com", query.value())),
                email_verified: true,
                phone_number: None,
                phone_number_verified: false,
            }],
            pagination_token: None,
        })
    }

    async fn sign_out_everywhere(&self, _: &str) -> Result<(), DirectoryError> {
        Ok(())
    }
}

pub(crate) fn events_to(bus: &str, clients: &AwsClients) -> Integrations {
    let config = IntegrationsConfig {
        event_bus: Some(bus.into()),
        ..IntegrationsConfig::default()
    };
    let mut integrations = Integrations::with_clients(&config, "eu-west-1_ApiTests", clients);
    integrations.directory = Some(std::sync::Arc::new(SignsOut));
    integrations
}

/// Every kind of change the API makes: three enrollments, a settings URL, a removal, an admin
/// removal, a reset.
pub(crate) async fn make_every_change(stack: &Stack, sub: &str) {
    let fresh = stack.token(sub, &[], 60);
    let first = stack
        .enroll_email(&fresh, &format!("{sub}-one@example.com"))
        .await;
    stack
        .enroll_email(&fresh, &format!("{sub}-two@example.com"))
        .await;
    stack
        .enroll_email(&fresh, &format!("{sub}-three@example.com"))
        .await;
    let settings = stack
        .call(
            Method::POST,
            "/v1/me/authenticators/settings-url",
            &fresh,
            Some(json!({ "redirectUrl": "http://localhost:5173/" })),
        )
        .await;
    assert_eq!(settings.status(), 200);
    let removed = stack
        .call(
            Method::DELETE,
            &format!("/v1/me/authenticators/{first}"),
            &fresh,
            None,
        )
        .await;
    assert_eq!(removed.status(), 200);
    let admin = stack.token("u-events-admin", &[ADMIN_GROUP], 60);
    let remaining = stack.list(&fresh).await;
    let by_admin = stack
        .call(
            Method::DELETE,
            &format!(
                "/v1/admin/users/{sub}/authenticators/{}",
                remaining[0]["id"].as_str().unwrap()
            ),
            &admin,
            None,
        )
        .await;
    assert_eq!(by_admin.status(), 200);
    let reset = stack
        .call(
            Method::POST,
            &format!("/v1/admin/users/{sub}/reset"),
            &admin,
            Some(json!({ "reasonCode": "lost_device", "reason": "Phone lost; identity checked by video call." })),
        )
        .await;
    assert_eq!(reset.status(), 200);
}

fn schema(kind: ChangeKind) -> jsonschema::Validator {
    let path = format!(
        "{}/events/{}",
        env!("CARGO_MANIFEST_DIR"),
        kind.schema_file()
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_puts_one_event_that_matches_its_schema() {
    let moto = Moto::start().await;
    let (sqs, queue_url) = bus_forwarded_to_a_queue(&moto).await;
    let clients = AwsClients::new(&moto.sdk_config().await);
    let stack = Stack::with_integrations(events_to(BUS, &clients)).await;
    make_every_change(&stack, "u-events").await;

    let events = drain(&sqs, &queue_url, Duration::from_millis(200)).await;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for event in &events {
        assert_eq!(event["source"], "cognito-authsignal", "{event}");
        let detail_type = event["detail-type"].as_str().unwrap();
        *counts.entry(detail_type.to_owned()).or_default() += 1;
        let kind = ChangeKind::ALL
            .into_iter()
            .find(|kind| kind.detail_type() == detail_type)
            .unwrap_or_else(|| panic!("unknown detail type {detail_type}"));
        let detail = &event["detail"];
        let validator = schema(kind);
        let errors: Vec<String> = validator
            .iter_errors(detail)
            .map(|error| error.to_string())
            .collect();
        assert!(errors.is_empty(), "{detail_type}: {errors:?} in {detail}");
        assert_eq!(detail["subject"], "u-events");
        let text = event.to_string();
        assert!(
            text.match_indices("@example.com")
                .all(|(at, _)| text[..at].ends_with("***")),
            "no contact in events but a masked one: {text}"
        );
        if kind == ChangeKind::UserReset {
            assert_eq!(
                detail["kept"]["contact"], "u***@example.com",
                "the reset kept the user's own address: {detail}"
            );
        }
    }
    let expected = HashMap::from([
        ("Enrollment Token Issued".to_owned(), 3),
        ("Settings URL Issued".to_owned(), 1),
        ("Authenticator Removed".to_owned(), 1),
        ("Authenticator Removed By Admin".to_owned(), 1),
        ("User Reset".to_owned(), 1),
    ]);
    assert_eq!(counts, expected, "{events:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_put_without_a_bus_name() {
    let moto = Moto::start().await;
    let (sqs, queue_url) = bus_forwarded_to_a_queue(&moto).await;
    // The same flow on a stack without EVENT_BUS_NAME, in a process that could reach the bus.
    let integrations = Integrations {
        directory: Some(std::sync::Arc::new(SignsOut)),
        ..Integrations::default()
    };
    let stack = Stack::with_integrations(integrations).await;
    make_every_change(&stack, "u-no-bus").await;
    assert!(
        drain(&sqs, &queue_url, Duration::from_millis(500))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_bus_that_rejects_the_event_never_fails_the_change() {
    // EventBridge answering 200 with the entry rejected, then a bus that is down.
    for template in [
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/x-amz-json-1.1")
            .set_body_json(json!({
                "FailedEntryCount": 1,
                "Entries": [{ "ErrorCode": "InternalFailure", "ErrorMessage": "try later" }],
            })),
        ResponseTemplate::new(503),
    ] {
        let bus = MockServer::start().await;
        Mock::given(any()).respond_with(template).mount(&bus).await;
        let clients = AwsClients::new(&sdk_config_at(&bus.uri()).await);
        let stack = Stack::with_integrations(events_to(BUS, &clients)).await;
        let fresh = stack.token("u-bus-down", &[], 60);
        stack.enroll_email(&fresh, "down-1@example.com").await;
        let second = stack.enroll_email(&fresh, "down-2@example.com").await;
        let response = stack
            .call(
                Method::DELETE,
                &format!("/v1/me/authenticators/{second}"),
                &fresh,
                None,
            )
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(stack.list(&fresh).await.len(), 1);
        assert!(!bus.received_requests().await.unwrap().is_empty());

        let publisher = events_to(BUS, &clients).changes.unwrap();
        let event = cognito_authsignal::events::ChangeEvent {
            kind: ChangeKind::AuthenticatorRemoved,
            detail: cognito_authsignal::events::ChangeDetail {
                actor: "u".into(),
                subject: "u".into(),
                authenticator_id: Some("a".into()),
                verification_method: Some("EMAIL_OTP".into()),
                request_id: "r".into(),
                origin_jti: None,
                client_id: "c".into(),
                proof: None,
                reason: None,
                removed: None,
                kept: None,
            },
        };
        assert!(publisher.publish(&event).await.is_err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_authenticator_removed_at_sign_in_puts_one_event_that_matches_its_schema() {
    use std::sync::Arc;

    use cognito_authsignal::authsignal::{
        AuthsignalApi, AuthsignalClient, EnrollVerifiedAuthenticatorRequest, VerificationMethod,
    };
    use cognito_authsignal::config::SignInConfig;
    use cognito_authsignal::triggers::SignInChallenge;
    use cognito_authsignal::triggers::verify::Refusal;

    let moto = Moto::start().await;
    let (sqs, queue_url) = bus_forwarded_to_a_queue(&moto).await;
    let clients = AwsClients::new(&moto.sdk_config().await);
    let stack = Stack::start().await;
    let sign_in = SignInChallenge::new(
        Arc::new(AuthsignalClient::new(&stack.config.authsignal)),
        "cognitoAuth",
        SignInConfig::default(),
    )
    .with_changes(events_to(BUS, &clients).changes);
    let header = json!({
        "version": "1", "region": "eu-west-1", "userPoolId": "eu-west-1_ApiTests",
        "userName": "victim", "callerContext": { "clientId": "apitestclient" },
    });
    let attributes =
        json!({ "sub": "u-victim", "email": "victim@example.com", "email_verified": "false" });
    let mut create = header.clone();
    create["triggerSource"] = json!("CreateAuthChallenge_Authentication");
    create["request"] =
        json!({ "userAttributes": attributes, "challengeName": "CUSTOM_CHALLENGE", "session": [] });
    create["response"] = json!({});
    let round = sign_in
        .create_auth_challenge(serde_json::from_value(create).unwrap())
        .await
        .unwrap()
        .response;

    // An email added to the account outside the service during the round, and the user's proof.
    let authsignal = AuthsignalClient::new(&stack.config.authsignal);
    authsignal
        .enroll_verified_authenticator(
            "u-victim",
            &EnrollVerifiedAuthenticatorRequest {
                verification_method: VerificationMethod::EmailOtp,
                email: Some("attacker@example.net".into()),
                phone_number: None,
                otp_uri: None,
                is_default: None,
            },
        )
        .await
        .unwrap();
    let token = &round.public_challenge_parameters["token"];
    let proof = stack
        .answer_email_challenge(token, "victim@example.com")
        .await;
    let mut verify = header;
    verify["triggerSource"] = json!("VerifyAuthChallengeResponse_Authentication");
    verify["request"] = json!({
        "userAttributes": attributes,
        "privateChallengeParameters": round.private_challenge_parameters,
        "challengeAnswer": proof,
    });
    verify["response"] = json!({});
    let refused = sign_in
        .check_answer(&serde_json::from_value(verify).unwrap())
        .await;
    assert!(
        matches!(refused, Err(Refusal::ForeignContact(_))),
        "{refused:?}"
    );

    let events = drain(&sqs, &queue_url, Duration::from_millis(200)).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["detail-type"], "Foreign Authenticator Removed");
    let detail = &events[0]["detail"];
    let errors: Vec<String> = schema(ChangeKind::ForeignAuthenticatorRemoved)
        .iter_errors(detail)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?} in {detail}");
    assert_eq!(detail["subject"], "u-victim");
    assert_eq!(detail["clientId"], "apitestclient");
    assert!(!events[0].to_string().contains("attacker@"));
}

#[test]
fn every_masked_contact_a_reset_can_keep_matches_the_user_reset_schema() {
    use cognito_authsignal::contact::{mask_email, mask_phone};
    let validator = schema(ChangeKind::UserReset);
    let detail = |method: &str, contact: &str| {
        json!({
            "actor": "u-admin", "subject": "u-user", "requestId": "req-1", "clientId": "web",
            "reason": { "code": "lost_device", "text": "Lost the phone." },
            "removed": [],
            "kept": { "authenticatorId": "a-1", "verificationMethod": method, "enrolled": true,
                      "contact": contact },
        })
    };
    let emails = [
        "jane@example.com",
        "j@x.io",
        "@example.com",
        "no-at-sign",
        "jane@",
    ];
    let phones = [
        "+14155554567",
        "+447700900123",
        "+2901234",
        "+3531234567",
        "+61",
        "+1234567",
    ];
    let masks = emails
        .iter()
        .map(|email| ("EMAIL_OTP", mask_email(email)))
        .chain(phones.iter().map(|phone| ("SMS", mask_phone(phone))));
    for (method, contact) in masks {
        let errors: Vec<String> = validator
            .iter_errors(&detail(method, &contact))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{contact}: {errors:?}");
    }
    // And the schema tells a full address from a masked one.
    assert!(!validator.is_valid(&detail("EMAIL_OTP", "jane@example.com")));
    assert!(!validator.is_valid(&detail("SMS", "+14155554567")));
}
