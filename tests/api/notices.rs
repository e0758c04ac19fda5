//! Change notices end to end on moto: every change the API makes goes onto EventBridge, the bus
//! forwards it (as its rule would to the notifier function), and the notifier sends the user one
//! email per change through SES from the stack's template, to the user's verified Cognito email,
//! with words for each kind of change and nothing else from the event.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use cognito_authsignal::directory::cognito::CognitoDirectory;
use cognito_authsignal::integrations::AwsClients;
use cognito_authsignal::notifier::ses::SesMailer;
use cognito_authsignal::notifier::{Notifier, Outcome};
use serde_json::Value;

use crate::events::{BUS, bus_forwarded_to_a_queue, drain, events_to, make_every_change};
use crate::helpers::Stack;
use crate::moto::{Moto, NOTICE_SENDER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_on_the_bus_becomes_one_notice_to_the_users_verified_email() {
    let moto = Moto::start().await;
    let sdk = moto.sdk_config().await;
    let template = moto.notice_template().await;
    let (pool, subs) = moto
        .user_pool_with(&[("cara", "cara@example.com", true)])
        .await;
    let cara = &subs[0];
    let (sqs, queue_url) = bus_forwarded_to_a_queue(&moto).await;
    let clients = AwsClients::new(&sdk);
    let stack = Stack::with_integrations(events_to(BUS, &clients)).await;
    make_every_change(&stack, cara).await;

    let mailer = Arc::new(SesMailer::new(
        aws_sdk_ses::Client::new(&sdk),
        NOTICE_SENDER,
        &template,
    ));
    let notifier = Notifier::new(
        Arc::new(CognitoDirectory::new(clients.cognito.clone(), &pool)),
        mailer.clone(),
    );
    let events = drain(&sqs, &queue_url, Duration::from_millis(200)).await;
    assert_eq!(events.len(), 7, "{events:#?}");
    let mut headlines: HashMap<String, usize> = HashMap::new();
    for event in events {
        let event = serde_json::from_value(event).unwrap();
        match notifier.notify(&event).await.unwrap() {
            Outcome::Sent { to, notice, .. } => {
                assert_eq!(to, "cara@example.com");
                *headlines.entry(notice.data.headline).or_default() += 1;
            }
            skipped => panic!("{skipped:?}"),
        }
    }
    assert_eq!(
        headlines,
        HashMap::from([
            (
                "A sign-in method is being added to your account".to_owned(),
                3
            ),
            ("Your sign-in methods were opened for changes".to_owned(), 1),
            (
                "A sign-in method was removed from your account".to_owned(),
                1
            ),
            (
                "Support removed a sign-in method from your account".to_owned(),
                1
            ),
            ("Support reset your sign-in methods".to_owned(), 1),
        ])
    );

    // What SES received: seven messages from the template to Cara, each filled with the three
    // words of the notice only (no id, contact, reason or token from the event).
    let sent = moto.templated_emails().await;
    assert_eq!(sent.len(), 7);
    for message in &sent {
        assert_eq!(
            message["destinations"]["ToAddresses"][0],
            "cara@example.com"
        );
        assert_eq!(message["template"], Value::from(template.as_str()));
        let data: serde_json::Map<String, Value> =
            serde_json::from_str(message["template_data"].as_str().unwrap()).unwrap();
        let keys: Vec<&str> = data.keys().map(String::as_str).collect();
        assert_eq!(keys, ["details", "headline", "when"]);
        let text = message["template_data"].as_str().unwrap();
        for leak in [
            cara.as_str(),
            "@example.com",
            "lost_device",
            "video call",
            "u-events-admin",
        ] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
    }

    // The message as Cara reads it, rendered by SES from the stack's template.
    let reset = sent
        .iter()
        .find(|message| message["template_data"].as_str().unwrap().contains("reset"))
        .unwrap();
    let data = serde_json::from_str(reset["template_data"].as_str().unwrap()).unwrap();
    let rendered = mailer.render(&data).await.unwrap();
    assert_eq!(rendered.subject, "Support reset your sign-in methods");
    assert!(
        rendered.text.contains("If this wasn't you, sign in now"),
        "{}",
        rendered.text
    );
}
