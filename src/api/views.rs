//! What the API returns about authenticators: a projection of Authsignal's records with
//! contact details masked, passkeys named after their provider, and what a browser needs to
//! tell its password manager which passkeys are still accepted.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::passkey_providers::provider;
use crate::authsignal::{UserAuthenticator, VerificationMethod, WebauthnCredential};
use crate::contact::{mask_email, mask_phone};

/// What a passkey whose provider nobody named is called.
pub const NEUTRAL_PASSKEY_NAME: &str = "Passkey";

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
    /// A name to show. Passkeys: their provider ("Google Password Manager") as Authsignal or
    /// the bundled AAGUID list names it, else "Passkey".
    pub display_name: Option<String>,
    /// The passkey provider's logo (a `data:` URL), when known.
    pub icon_url: Option<String>,
    /// Passkeys: the authenticator model (AAGUID).
    pub aaguid: Option<String>,
    /// Passkeys: the WebAuthn credential id (base64url).
    pub credential_id: Option<String>,
    /// Passkeys: whether the credential can be synced to the user's other devices, as a
    /// password manager's passkeys are (WebAuthn's backup-eligible flag).
    pub backup_eligible: Option<bool>,
    /// Passkeys: whether it is backed up (synced) now (WebAuthn's backup-state flag).
    pub backed_up: Option<bool>,
    /// Masked, e.g. `j***@example.com`.
    pub email: Option<String>,
    /// Masked, e.g. `+1******4567`.
    pub phone_number: Option<String>,
    /// False for the user's only authenticator (removing it would lock them out).
    pub removable: bool,
}

/// The user's authenticators and, when `PASSKEY_RP_ID` is set, their accepted passkeys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorList {
    pub authenticators: Vec<Authenticator>,
    /// For `PublicKeyCredential.signalAllAcceptedCredentials`: after a list or a removal, a
    /// browser signed in as this user tells its password manager to drop the user's other
    /// passkeys for this relying party.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passkeys: Option<AcceptedPasskeys>,
}

/// The passkeys a relying party still accepts for one user (WebAuthn's Signal API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedPasskeys {
    /// The relying-party id the passkeys are bound to (`PASSKEY_RP_ID`).
    pub rp_id: String,
    /// The WebAuthn user handle (base64url): the 16 bytes of the user's Cognito `sub`. Absent
    /// when the user id is not a UUID.
    pub user_handle: Option<String>,
    /// Every live passkey's credential id (base64url).
    pub credential_ids: Vec<String>,
}

/// A user found by the help desk's search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSummary {
    /// The Cognito `sub` (the id the other admin routes take).
    pub user_id: String,
    pub username: String,
    /// Cognito's user status: `CONFIRMED`, `UNCONFIRMED`, `FORCE_CHANGE_PASSWORD`, ...
    pub status: String,
    pub enabled: bool,
    /// ISO 8601.
    pub created_at: Option<String>,
    /// Masked, e.g. `j***@example.com`.
    pub email: Option<String>,
    /// Masked, e.g. `+1******4567`.
    pub phone_number: Option<String>,
    /// How many authenticators the user has at Authsignal; absent when that could not be
    /// read just now.
    pub authenticator_count: Option<u32>,
}

/// One page of users found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSearchResult {
    pub users: Vec<UserSummary>,
    /// Pass back as `paginationToken` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagination_token: Option<String>,
}

impl AuthenticatorList {
    /// `records` are `user_id`'s authenticators; `rp_id` is `PASSKEY_RP_ID`.
    pub fn new(user_id: &str, records: Vec<UserAuthenticator>, rp_id: Option<&str>) -> Self {
        let removable = records.len() > 1;
        let authenticators: Vec<Authenticator> = records
            .into_iter()
            .map(|record| Authenticator::from_authsignal(record, removable))
            .collect();
        // All or nothing: a passkey whose credential id is unknown would read as not accepted,
        // and the browser would drop a passkey that still works.
        let every_passkey_named = authenticators
            .iter()
            .filter(|a| a.verification_method == VerificationMethod::Passkey.to_string())
            .all(|a| a.credential_id.is_some());
        let passkeys = rp_id
            .filter(|_| every_passkey_named)
            .map(|rp_id| AcceptedPasskeys {
                rp_id: rp_id.to_owned(),
                user_handle: user_handle(user_id),
                credential_ids: authenticators
                    .iter()
                    .filter_map(|a| a.credential_id.clone())
                    .collect(),
            });
        AuthenticatorList {
            authenticators,
            passkeys,
        }
    }
}

/// The WebAuthn user handle of a user whose id is a UUID (a Cognito `sub`): its 16 bytes, as
/// passkeys are registered with (base64url).
fn user_handle(user_id: &str) -> Option<String> {
    let uuid = uuid::Uuid::try_parse(user_id).ok()?;
    Some(URL_SAFE_NO_PAD.encode(uuid.as_bytes()))
}

impl Authenticator {
    fn from_authsignal(record: UserAuthenticator, removable: bool) -> Self {
        let passkey = record.webauthn_credential.as_ref();
        let (display_name, icon_url) = match passkey {
            Some(credential) => passkey_name_and_icon(credential),
            None if record.verification_method == VerificationMethod::Passkey => {
                (Some(NEUTRAL_PASSKEY_NAME.to_owned()), None)
            }
            None => (record.display_name.clone(), None),
        };
        Authenticator {
            display_name,
            icon_url,
            aaguid: passkey.and_then(|c| c.aaguid.clone()),
            credential_id: passkey.and_then(|c| c.credential_id.clone()),
            backup_eligible: passkey
                .and_then(|c| c.credential_device_type.as_deref())
                .map(|kind| kind == "multiDevice"),
            backed_up: passkey.and_then(|c| c.credential_backed_up),
            email: record.email.as_deref().map(mask_email),
            phone_number: record.phone_number.as_deref().map(mask_phone),
            id: record.user_authenticator_id,
            verification_method: record.verification_method.to_string(),
            created_at: record.created_at,
            last_verified_at: record.last_verified_at,
            removable,
        }
    }
}

/// Authsignal's own AAGUID mapping first, then the bundled list, then the credential's name,
/// then "Passkey"; the logo from the same sources.
fn passkey_name_and_icon(credential: &WebauthnCredential) -> (Option<String>, Option<String>) {
    let mapping = credential.aaguid_mapping.as_ref();
    let listed = credential.aaguid.as_deref().and_then(provider);
    let name = mapping
        .and_then(|m| m.name.clone())
        .or_else(|| listed.map(|p| p.name.to_owned()))
        .or_else(|| credential.name.clone())
        .unwrap_or_else(|| NEUTRAL_PASSKEY_NAME.to_owned());
    let icon = mapping
        .and_then(|m| m.svg_icon_light.clone())
        .or_else(|| listed.and_then(|p| p.icon).map(str::to_owned));
    (Some(name), icon)
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
        let list = AuthenticatorList::new("u1", records, None).authenticators;
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
        assert!(!AuthenticatorList::new("u1", records, None).authenticators[0].removable);
    }

    #[test]
    fn passkeys_are_named_from_the_bundled_list_with_their_sync_state() {
        let records: Vec<UserAuthenticator> = serde_json::from_value(json!([
            {
                "userAuthenticatorId": "p1", "verificationMethod": "PASSKEY",
                "createdAt": "2026-01-01T00:00:00Z", "lastVerifiedAt": "2026-02-01T00:00:00Z",
                "webauthnCredential": {
                    "credentialId": "Y3JlZC0x", "name": "Passkey",
                    "aaguid": "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
                    "credentialBackedUp": true, "credentialDeviceType": "multiDevice"
                }
            },
            {
                "userAuthenticatorId": "p2", "verificationMethod": "PASSKEY",
                "webauthnCredential": {
                    "credentialId": "Y3JlZC0y",
                    "aaguid": "01020304-0506-0708-0102-030405060708",
                    "credentialBackedUp": false, "credentialDeviceType": "singleDevice"
                }
            }
        ]))
        .unwrap();
        let list = AuthenticatorList::new("u1", records, None).authenticators;
        assert_eq!(
            list[0].display_name.as_deref(),
            Some("Google Password Manager")
        );
        assert!(
            list[0]
                .icon_url
                .as_deref()
                .unwrap()
                .starts_with("data:image/svg+xml")
        );
        assert_eq!(
            (list[0].backup_eligible, list[0].backed_up),
            (Some(true), Some(true))
        );
        assert_eq!(
            list[0].last_verified_at.as_deref(),
            Some("2026-02-01T00:00:00Z")
        );
        assert_eq!(list[0].credential_id.as_deref(), Some("Y3JlZC0x"));
        // An AAGUID nobody lists: the neutral name, no logo.
        assert_eq!(list[1].display_name.as_deref(), Some(NEUTRAL_PASSKEY_NAME));
        assert_eq!(list[1].icon_url, None);
        assert_eq!(
            (list[1].backup_eligible, list[1].backed_up),
            (Some(false), Some(false))
        );
    }

    #[test]
    fn the_accepted_passkeys_name_the_relying_party_the_user_handle_and_every_live_passkey() {
        let records: Vec<UserAuthenticator> = serde_json::from_value(json!([
            { "userAuthenticatorId": "p1", "verificationMethod": "PASSKEY", "webauthnCredential": { "credentialId": "Y3JlZC0x" } },
            { "userAuthenticatorId": "e1", "verificationMethod": "EMAIL_OTP", "email": "jane@example.com" },
            { "userAuthenticatorId": "p2", "verificationMethod": "PASSKEY", "webauthnCredential": { "credentialId": "Y3JlZC0y" } }
        ]))
        .unwrap();
        let sub = "7f1c9a52-0b3e-4d7a-9c1e-2a4b6c8d0e1f";
        let accepted = AuthenticatorList::new(sub, records.clone(), Some("example.com"))
            .passkeys
            .unwrap();
        assert_eq!(accepted.rp_id, "example.com");
        assert_eq!(accepted.credential_ids, vec!["Y3JlZC0x", "Y3JlZC0y"]);
        let handle = URL_SAFE_NO_PAD
            .decode(accepted.user_handle.unwrap())
            .unwrap();
        assert_eq!(handle, uuid::Uuid::parse_str(sub).unwrap().as_bytes());
        // Not a UUID: no handle to name. No relying party configured: nothing to signal.
        let other = AuthenticatorList::new("jane", records.clone(), Some("example.com"));
        assert_eq!(other.passkeys.unwrap().user_handle, None);
        assert_eq!(AuthenticatorList::new(sub, records, None).passkeys, None);
    }

    #[test]
    fn a_passkey_without_a_credential_id_leaves_the_accepted_list_out() {
        let records: Vec<UserAuthenticator> = serde_json::from_value(json!([
            { "userAuthenticatorId": "p1", "verificationMethod": "PASSKEY", "webauthnCredential": { "credentialId": "Y3JlZC0x" } },
            { "userAuthenticatorId": "p2", "verificationMethod": "PASSKEY" }
        ]))
        .unwrap();
        let list = AuthenticatorList::new("u1", records, Some("example.com"));
        assert_eq!(list.passkeys, None);
    }
}
