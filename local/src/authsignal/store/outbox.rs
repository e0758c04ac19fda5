//! The outbox: every code "sent", readable by tests and the example app instead of an inbox.

use super::Store;

/// One code "sent": by email or by SMS.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    pub user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    pub code: String,
    pub sent_at: String,
}

impl OutboxMessage {
    /// Where it went: the email address or the phone number.
    pub fn address(&self) -> &str {
        self.email
            .as_deref()
            .or(self.phone_number.as_deref())
            .unwrap_or_default()
    }
}

impl Store {
    /// Latest code per (user, address), oldest first; optionally for one user, or one email
    /// address or phone number (`address`).
    pub fn outbox(&self, user_id: Option<&str>, address: Option<&str>) -> Vec<OutboxMessage> {
        let mut latest: Vec<OutboxMessage> = Vec::new();
        for message in &self.outbox {
            if user_id.is_some_and(|id| id != message.user_id)
                || address.is_some_and(|a| a != message.address())
            {
                continue;
            }
            latest.retain(|m| !(m.user_id == message.user_id && m.address() == message.address()));
            latest.push(message.clone());
        }
        latest
    }
}
