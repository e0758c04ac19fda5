//! Authsignal Server API wire types (camelCase JSON). Decoding is tolerant: unknown fields are
//! ignored and unknown enum values are kept as `Unknown(String)`, because Authsignal adds
//! verification methods and states over time.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A string enum that keeps values it does not know.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value this version does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Unknown(value) => value,
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $($wire => Self::$variant,)+
                    _ => Self::Unknown(value),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }
    };
}

open_enum! {
    /// The state of a tracked action.
    UserActionState {
        Allow => "ALLOW",
        Block => "BLOCK",
        ChallengeRequired => "CHALLENGE_REQUIRED",
        ChallengeSucceeded => "CHALLENGE_SUCCEEDED",
        ChallengeFailed => "CHALLENGE_FAILED",
        ReviewRequired => "REVIEW_REQUIRED",
        ReviewSucceeded => "REVIEW_SUCCEEDED",
        ReviewFailed => "REVIEW_FAILED",
    }
}

open_enum! {
    /// How a user proves who they are.
    VerificationMethod {
        Sms => "SMS",
        EmailOtp => "EMAIL_OTP",
        EmailMagicLink => "EMAIL_MAGIC_LINK",
        AuthenticatorApp => "AUTHENTICATOR_APP",
        Passkey => "PASSKEY",
        SecurityKey => "SECURITY_KEY",
        Push => "PUSH",
        Veriff => "VERIFF",
        Iproov => "IPROOV",
        Idverse => "IDVERSE",
        PalmBiometricsRr => "PALM_BIOMETRICS_RR",
        RecoveryCode => "RECOVERY_CODE",
        Device => "DEVICE",
        Whatsapp => "WHATSAPP",
    }
}

/// Body of `POST /users/{userId}/actions/{action}`. Absent fields are omitted on the wire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackAttributes {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_to_settings: Option<bool>,
    /// Space-separated scopes granted to the returned token and the pre-built UI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackResponse {
    pub state: UserActionState,
    pub idempotency_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default)]
    pub is_enrolled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolled_verification_methods: Option<Vec<VerificationMethod>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_verification_methods: Option<Vec<VerificationMethod>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_verification_method: Option<VerificationMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_ids: Option<Vec<String>>,
}

/// Body of `POST /validate`. Always pass `user_id` and `action` so a token minted for
/// another user or action is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateChallengeRequest {
    pub token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateChallengeResponse {
    pub is_valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UserActionState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The wire name; the docs and some SDKs call it `action` (see [`Self::action`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<VerificationMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ValidateChallengeResponse {
    /// The action code, whichever of `actionCode` or `action` carried it.
    pub fn action(&self) -> Option<&str> {
        self.action_code.as_deref().or(self.action.as_deref())
    }

    /// True only for a challenge completed successfully just now.
    pub fn challenge_succeeded(&self) -> bool {
        self.is_valid && self.state == Some(UserActionState::ChallengeSucceeded)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AaguidMapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub svg_icon_light: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub svg_icon_dark: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebauthnCredential {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aaguid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aaguid_mapping: Option<AaguidMapping>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_backed_up: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_device_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<String>,
}

/// One authenticator as `GET /users/{userId}/authenticators` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAuthenticator {
    pub user_authenticator_id: String,
    pub verification_method: VerificationMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_verified_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_sms_channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webauthn_credential: Option<WebauthnCredential>,
}

/// Body of `POST /users/{userId}/authenticators`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollVerifiedAuthenticatorRequest {
    pub verification_method: VerificationMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
}

impl EnrollVerifiedAuthenticatorRequest {
    /// A user's own contact as their first authenticator: their Cognito email, else their phone
    /// number (an SMS authenticator); `None` when they have neither.
    pub fn own_contact(email: Option<&str>, phone_number: Option<&str>) -> Option<Self> {
        let (verification_method, email, phone_number) = match (email, phone_number) {
            (Some(email), _) => (VerificationMethod::EmailOtp, Some(email), None),
            (None, Some(phone)) => (VerificationMethod::Sms, None, Some(phone)),
            (None, None) => return None,
        };
        Some(EnrollVerifiedAuthenticatorRequest {
            verification_method,
            email: email.map(str::to_owned),
            phone_number: phone_number.map(str::to_owned),
            otp_uri: None,
            is_default: None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollVerifiedAuthenticatorResponse {
    pub authenticator: UserAuthenticator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetUserResponse {
    #[serde(default)]
    pub is_enrolled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolled_verification_methods: Option<Vec<VerificationMethod>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_verification_methods: Option<Vec<VerificationMethod>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_verification_method: Option<VerificationMethod>,
}

/// The error body Authsignal sends: `errorCode` (newer) or `error` (older), plus a description.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_enum_values_survive_a_round_trip() {
        let method: VerificationMethod = serde_json::from_value(json!("HOLOGRAM")).unwrap();
        assert_eq!(method, VerificationMethod::Unknown("HOLOGRAM".into()));
        assert_eq!(serde_json::to_value(&method).unwrap(), json!("HOLOGRAM"));
        let known: VerificationMethod = serde_json::from_value(json!("EMAIL_OTP")).unwrap();
        assert_eq!(known, VerificationMethod::EmailOtp);
    }

    #[test]
    fn validate_accepts_action_code_or_action() {
        let wire: ValidateChallengeResponse =
            serde_json::from_value(json!({ "isValid": true, "actionCode": "signIn", "extra": 1 }))
                .unwrap();
        assert_eq!(wire.action(), Some("signIn"));
        let documented: ValidateChallengeResponse =
            serde_json::from_value(json!({ "isValid": false, "action": "signIn" })).unwrap();
        assert_eq!(documented.action(), Some("signIn"));
        let both: ValidateChallengeResponse = serde_json::from_value(
            json!({ "isValid": true, "state": "CHALLENGE_SUCCEEDED", "actionCode": "a", "action": "a" }),
        )
        .unwrap();
        assert!(both.challenge_succeeded());
    }

    #[test]
    fn passkeys_carry_their_aaguid_mapping_and_unknown_fields_are_ignored() {
        let authenticator: UserAuthenticator = serde_json::from_value(json!({
            "userAuthenticatorId": "4efd",
            "verificationMethod": "PASSKEY",
            "createdAt": "2026-01-01T00:00:00Z",
            "somethingNew": { "nested": true },
            "webauthnCredential": {
                "credentialId": "c", "name": "iCloud Keychain",
                "aaguidMapping": { "name": "iCloud Keychain", "svgIconLight": "data:image/svg+xml;base64,AA" },
                "parsedUserAgent": { "browser": { "name": "Safari" } }
            }
        }))
        .unwrap();
        let mapping = authenticator
            .webauthn_credential
            .unwrap()
            .aaguid_mapping
            .unwrap();
        assert_eq!(mapping.name.as_deref(), Some("iCloud Keychain"));
    }

    #[test]
    fn absent_track_attributes_are_omitted() {
        let attributes = TrackAttributes {
            scope: Some("add:authenticators".into()),
            ..TrackAttributes::default()
        };
        assert_eq!(
            serde_json::to_value(&attributes).unwrap(),
            json!({ "scope": "add:authenticators" })
        );
    }
}
