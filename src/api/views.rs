//! What the API returns about authenticators: a projection of Authsignal's records with
//! contact details masked.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::authsignal::UserAuthenticator;
use crate::contact::{mask_email, mask_phone};

/// One authenticator bound to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Authenticator {
    /// Authsignal's `userAuthenticatorId`.
    pub id: String,
    /// `EMAIL_OTP`, `SMS`, `PASSKEY`, `AUTHENTICATOR_APP`, … (new methods pass through).
    pub verification_method: String,
    /// ISO 8601.
    pub created_at: Option<String>,
    /// ISO 8601, when the user last verified with it.
    pub last_verified_at: Option<String>,
    /// A name to show, e.g. the passkey provider ("iCloud Keychain").
    pub display_name: Option<String>,
    /// The passkey provider's icon (a data: URL), when Authsignal has one.
    pub icon_url: Option<String>,
    /// Masked, e.g. `j***@example.com`.
    pub email: Option<String>,
    /// Masked, e.g. `+1******4567`.
    pub phone_number: Option<String>,
    /// False for the user's only authenticator (removing it would lock them out).
    pub removable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorList {
    pub authenticators: Vec<Authenticator>,
}

impl AuthenticatorList {
    pub fn from_authsignal(records: Vec<UserAuthenticator>) -> Self {
        let removable = records.len() > 1;
        let authenticators = records
            .into_iter()
            .map(|record| {
                let credential = record.webauthn_credential.as_ref();
                let mapping = credential.and_then(|c| c.aaguid_mapping.as_ref());
                Authenticator {
                    display_name: mapping
                        .and_then(|m| m.name.clone())
                        .or_else(|| credential.and_then(|c| c.name.clone()))
                        .or(record.display_name.clone()),
                    icon_url: mapping.and_then(|m| m.svg_icon_light.clone()),
                    email: record.email.as_deref().map(mask_email),
                    phone_number: record.phone_number.as_deref().map(mask_phone),
                    id: record.user_authenticator_id,
                    verification_method: record.verification_method.to_string(),
                    created_at: record.created_at,
                    last_verified_at: record.last_verified_at,
                    removable,
                }
            })
            .collect();
        AuthenticatorList { authenticators }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn passkeys_show_their_provider_and_contacts_are_masked() {
        let records: Vec<UserAuthenticator> = serde_json::from_value(json!([
            {
                "userAuthenticatorId": "p1", "verificationMethod": "PASSKEY", "createdAt": "2026-01-01T00:00:00Z",
                "webauthnCredential": { "name": "Chrome on Mac", "aaguidMapping": { "name": "iCloud Keychain", "svgIconLight": "data:image/svg+xml;base64,AA" } }
            },
            { "userAuthenticatorId": "e1", "verificationMethod": "EMAIL_OTP", "email": "jane@example.com" },
            { "userAuthenticatorId": "s1", "verificationMethod": "SMS", "phoneNumber": "+14155554567" },
            { "userAuthenticatorId": "x1", "verificationMethod": "HOLOGRAM" }
        ]))
        .unwrap();
        let list = AuthenticatorList::from_authsignal(records).authenticators;
        assert_eq!(list[0].display_name.as_deref(), Some("iCloud Keychain"));
        assert_eq!(
            list[0].icon_url.as_deref(),
            Some("data:image/svg+xml;base64,AA")
        );
        assert_eq!(list[1].email.as_deref(), Some("j***@example.com"));
        assert_eq!(list[2].phone_number.as_deref(), Some("+1******4567"));
        assert_eq!(list[3].verification_method, "HOLOGRAM");
        assert!(list.iter().all(|a| a.removable));
    }

    #[test]
    fn a_single_authenticator_is_not_removable() {
        let records: Vec<UserAuthenticator> = serde_json::from_value(json!([
            { "userAuthenticatorId": "e1", "verificationMethod": "EMAIL_OTP" }
        ]))
        .unwrap();
        assert!(!AuthenticatorList::from_authsignal(records).authenticators[0].removable);
    }
}
