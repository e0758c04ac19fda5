//! A software WebAuthn authenticator (ES256, attestation `none`) for tests that cannot run a
//! browser: it answers the emulator's creation and request options with the JSON a browser's
//! `navigator.credentials` produces, and can be told to get one thing wrong.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::local_client::LocalClient;

/// Authenticator data flags.
const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const BACKUP_ELIGIBLE: u8 = 0x08;
const BACKED_UP: u8 = 0x10;
const ATTESTED_CREDENTIAL: u8 = 0x40;

/// One thing an answer gets wrong on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// The page's origin is another site.
    Origin,
    /// The authenticator data is for another relying party.
    RpId,
    /// The signature is over other bytes.
    Signature,
    /// The user was present but not verified.
    NoUserVerification,
    /// The signature counter does not go up (a cloned authenticator).
    CounterNotIncreased,
}

pub struct SoftPasskey {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    pub counter: u32,
    rp_id: String,
    origin: String,
    /// The WebAuthn user handle registration gave it (a discoverable credential keeps it and
    /// names it in every assertion).
    pub user_handle: Option<String>,
    /// The authenticator model it reports at registration (all zeros: not said).
    pub aaguid: [u8; 16],
    /// A password manager's passkey may be synced (WebAuthn's BE flag, fixed for its life)...
    pub backup_eligible: bool,
    /// ...and is synced from some answer on (BS).
    pub backed_up: bool,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// CBOR (RFC 8949) heads for the few shapes WebAuthn needs.
fn cbor_head(major: u8, length: usize, out: &mut Vec<u8>) {
    let major = major << 5;
    match length {
        0..=23 => out.push(major | length as u8),
        24..=255 => out.extend([major | 24, length as u8]),
        _ => {
            out.push(major | 25);
            out.extend((length as u16).to_be_bytes());
        }
    }
}

fn cbor_text(text: &str, out: &mut Vec<u8>) {
    cbor_head(3, text.len(), out);
    out.extend(text.as_bytes());
}

fn cbor_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    cbor_head(2, bytes.len(), out);
    out.extend(bytes);
}

impl SoftPasskey {
    /// A new credential for `rp_id`, used from pages at `origin`.
    pub fn new(rp_id: &str, origin: &str) -> SoftPasskey {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        SoftPasskey {
            key,
            credential_id: uuid::Uuid::new_v4().as_bytes().to_vec(),
            counter: 0,
            rp_id: rp_id.to_owned(),
            origin: origin.to_owned(),
            user_handle: None,
            aaguid: [0; 16],
            backup_eligible: false,
            backed_up: false,
        }
    }

    pub fn credential_id_b64(&self) -> String {
        b64(&self.credential_id)
    }

    /// The public key as a COSE_Key: EC2, ES256, P-256, x, y.
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.public_key().as_ref();
        assert_eq!(point.len(), 65, "an uncompressed P-256 point");
        let mut out = Vec::new();
        cbor_head(5, 5, &mut out);
        out.extend([0x01, 0x02]); // kty: EC2
        out.extend([0x03, 0x26]); // alg: -7 (ES256)
        out.extend([0x20, 0x01]); // crv: P-256
        out.push(0x21); // x
        cbor_bytes(&point[1..33], &mut out);
        out.push(0x22); // y
        cbor_bytes(&point[33..], &mut out);
        out
    }

    fn client_data(&self, kind: &str, options: &Value, fault: Fault) -> Vec<u8> {
        let origin = if fault == Fault::Origin {
            "https://evil.example"
        } else {
            &self.origin
        };
        json!({
            "type": kind,
            "challenge": options["challenge"].as_str().expect("options carry a challenge"),
            "origin": origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    fn authenticator_data(&self, flags: u8, fault: Fault) -> Vec<u8> {
        let rp_id = if fault == Fault::RpId {
            "evil.example"
        } else {
            &self.rp_id
        };
        let flags = if fault == Fault::NoUserVerification {
            flags & !USER_VERIFIED
        } else {
            flags
        };
        let flags = flags
            | if self.backup_eligible {
                BACKUP_ELIGIBLE
            } else {
                0
            }
            | if self.backed_up { BACKED_UP } else { 0 };
        let mut data = digest(&SHA256, rp_id.as_bytes()).as_ref().to_vec();
        data.push(flags);
        data.extend(self.counter.to_be_bytes());
        data
    }

    /// What `navigator.credentials.create()` returns, as `@simplewebauthn/browser` sends it.
    pub fn register(&mut self, options: &Value, fault: Fault) -> Value {
        assert_eq!(options["rp"]["id"], self.rp_id.as_str(), "{options}");
        self.user_handle = options["user"]["id"].as_str().map(str::to_owned);
        self.counter += 1;
        let client_data = self.client_data("webauthn.create", options, fault);
        let mut auth_data =
            self.authenticator_data(USER_PRESENT | USER_VERIFIED | ATTESTED_CREDENTIAL, fault);
        auth_data.extend(self.aaguid);
        auth_data.extend((self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend(&self.credential_id);
        auth_data.extend(self.cose_key());
        let mut attestation = Vec::new();
        cbor_head(5, 3, &mut attestation);
        cbor_text("fmt", &mut attestation);
        cbor_text("none", &mut attestation);
        cbor_text("attStmt", &mut attestation);
        cbor_head(5, 0, &mut attestation);
        cbor_text("authData", &mut attestation);
        cbor_bytes(&auth_data, &mut attestation);
        json!({
            "id": self.credential_id_b64(),
            "rawId": self.credential_id_b64(),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        })
    }

    /// What `navigator.credentials.get()` returns, as `@simplewebauthn/browser` sends it.
    pub fn assert(&mut self, options: &Value, fault: Fault) -> Value {
        assert_eq!(options["rpId"], self.rp_id.as_str(), "{options}");
        if fault != Fault::CounterNotIncreased {
            self.counter += 1;
        }
        let client_data = self.client_data("webauthn.get", options, fault);
        let auth_data = self.authenticator_data(USER_PRESENT | USER_VERIFIED, fault);
        let mut signed = auth_data.clone();
        signed.extend(digest(&SHA256, &client_data).as_ref());
        if fault == Fault::Signature {
            signed[0] ^= 0xff;
        }
        let signature = self.key.sign(&SystemRandom::new(), &signed).unwrap();
        json!({
            "id": self.credential_id_b64(),
            "rawId": self.credential_id_b64(),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(signature.as_ref()),
                "userHandle": self.user_handle,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        })
    }

    /// `passkey.signUp({token, username})` against the emulator: registration options, then
    /// this authenticator's answer with `fault`; the add call's status and body.
    pub async fn enroll(
        &mut self,
        local: &LocalClient,
        token: &str,
        username: &str,
        fault: Fault,
    ) -> (u16, Value) {
        let (status, options) = local
            .client_api_raw(
                "user-authenticators/passkey/registration-options",
                token,
                Some(json!({ "username": username, "authenticatorAttachment": "platform" })),
            )
            .await;
        assert_eq!(status, 200, "{options}");
        let credential = self.register(&options["options"], fault);
        local
            .client_api_raw(
                "user-authenticators/passkey",
                token,
                Some(json!({ "registrationCredential": credential, "challengeId": options["challengeId"] })),
            )
            .await
    }

    /// `passkey.signIn({action})` against the emulator, with no token and no username: a sign-in
    /// for `action` (`/client/challenge`), options that allow any discoverable credential, then
    /// this authenticator's assertion with `fault`; the verify answer, which must be a 200.
    pub async fn sign_in_without_username(
        &mut self,
        local: &LocalClient,
        tenant_id: &str,
        action: &str,
        fault: Fault,
    ) -> Value {
        let (status, started) = local
            .client_api_as_tenant("challenge", tenant_id, json!({ "action": action }))
            .await;
        assert_eq!(status, 200, "{started}");
        let (status, options) = local
            .client_api_as_tenant(
                "user-authenticators/passkey/authentication-options",
                tenant_id,
                json!({ "challengeId": started["challengeId"] }),
            )
            .await;
        assert_eq!(status, 200, "{options}");
        assert_eq!(
            options["options"]["allowCredentials"]
                .as_array()
                .map_or(0, Vec::len),
            0,
            "{options}"
        );
        let credential = self.assert(&options["options"], fault);
        let (status, verified) = local
            .client_api_as_tenant(
                "verify/passkey",
                tenant_id,
                json!({ "authenticationCredential": credential, "challengeId": options["challengeId"] }),
            )
            .await;
        assert_eq!(status, 200, "{verified}");
        verified
    }

    /// `passkey.signIn({token})` against the emulator: authentication options (which must
    /// list this credential), then this authenticator's assertion with `fault`; the verify
    /// answer, which must be a 200.
    pub async fn sign_in(&mut self, local: &LocalClient, token: &str, fault: Fault) -> Value {
        let (status, options) = local
            .client_api_raw(
                "user-authenticators/passkey/authentication-options",
                token,
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 200, "{options}");
        let allowed = options["options"]["allowCredentials"].as_array().unwrap();
        assert!(
            allowed
                .iter()
                .any(|c| c["id"] == self.credential_id_b64().as_str()),
            "{options}"
        );
        let credential = self.assert(&options["options"], fault);
        let (status, verified) = local
            .client_api_raw(
                "verify/passkey",
                token,
                Some(json!({ "authenticationCredential": credential, "challengeId": options["challengeId"] })),
            )
            .await;
        assert_eq!(status, 200, "{verified}");
        verified
    }
}
