//! The outbox: every code "sent", readable by tests and the example app instead of an inbox.

use super::Store;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    pub user_id: String,
    pub email: String,
    pub code: String,
    pub sent_at: String,
}

impl Store {
    /// Latest code per (user, email), oldest first; optionally for one user or email.
    pub fn outbox(&self, user_id: Option<&str>, email: Option<&str>) -> Vec<OutboxMessage> {
        let mut latest: Vec<OutboxMessage> = Vec::new();
        for message in &self.outbox {
            if user_id.is_some_and(|id| id != message.user_id)
                || email.is_some_and(|e| e != message.email)
            {
                continue;
            }
            latest.retain(|m| !(m.user_id == message.user_id && m.email == message.email));
            latest.push(message.clone());
        }
        latest
    }
}
