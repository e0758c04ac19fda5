//! Errors shaped like Authsignal's: `{ error, errorCode, errorDescription }` with a status.

use serde_json::{Value, json};

/// An error shaped like Authsignal's: `{ error, errorCode, errorDescription }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorError {
    pub status: u16,
    pub code: &'static str,
    pub description: String,
}

impl EmulatorError {
    pub fn new(status: u16, code: &'static str, description: impl Into<String>) -> Self {
        EmulatorError {
            status,
            code,
            description: description.into(),
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", description)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            401,
            "unauthorized",
            "The request is unauthorized. Check that your API key and region base URL are correctly configured.",
        )
    }

    pub fn body(&self) -> Value {
        json!({ "error": self.code, "errorCode": self.code, "errorDescription": self.description })
    }
}
