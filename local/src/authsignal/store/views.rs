//! What the local pre-built UI page shows of a token.

use super::Store;

/// What the local pre-built UI page shows for a token.
pub struct UiView {
    pub action: String,
    pub state: String,
    pub scopes: Vec<String>,
    pub redirect_url: Option<String>,
}

impl Store {
    pub fn ui_view(&self, token: &str) -> Option<UiView> {
        let token = self.tokens.get(token)?;
        let action = self
            .users
            .get(&token.user_id)?
            .actions
            .get(&token.idempotency_key)?;
        Some(UiView {
            action: token.action.clone(),
            state: action.state.to_string(),
            scopes: token.scopes.clone(),
            redirect_url: token.redirect_url.clone(),
        })
    }
}
