//! Change events on Amazon EventBridge: one `PutEvents` entry per change, `Source` from
//! `EVENT_SOURCE` (default `cognito-authsignal`), `DetailType` per kind, `Detail` the audit
//! fields as JSON. `PutEvents` can succeed as a call and still reject the entry
//! (`FailedEntryCount`); that is a failure too. Needs `events:PutEvents` on the bus.

use async_trait::async_trait;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

use super::{ChangeEvent, ChangePublisher, PublishError};

pub struct EventBridgePublisher {
    client: Client,
    bus: String,
    source: String,
}

impl EventBridgePublisher {
    pub fn new(client: Client, bus: impl Into<String>, source: impl Into<String>) -> Self {
        EventBridgePublisher {
            client,
            bus: bus.into(),
            source: source.into(),
        }
    }
}

#[async_trait]
impl ChangePublisher for EventBridgePublisher {
    async fn publish(&self, event: &ChangeEvent) -> Result<(), PublishError> {
        let detail = serde_json::to_string(&event.detail)
            .map_err(|error| PublishError(error.to_string()))?;
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(&self.source)
            .detail_type(event.kind.detail_type())
            .detail(detail)
            .build();
        let output = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|error| PublishError(DisplayErrorContext(&error).to_string()))?;
        if output.failed_entry_count() > 0 {
            let reason = output
                .entries()
                .iter()
                .find_map(|entry| entry.error_code().map(str::to_owned))
                .unwrap_or_else(|| "rejected".into());
            return Err(PublishError(format!(
                "the bus rejected the event: {reason}"
            )));
        }
        tracing::debug!(
            detail_type = event.kind.detail_type(),
            "change event published"
        );
        Ok(())
    }
}
