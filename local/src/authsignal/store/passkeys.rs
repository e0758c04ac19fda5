//! Passkeys in the emulator: the Client API's registration and authentication ceremonies,
//! verified by `webauthn-rs` against the configured relying party (attestation `none`, user
//! verification required, the signature counter checked).

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use url::Url;
use webauthn_rs::prelude::{
    AuthenticatorAttachment, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Uuid,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use super::{Action, EmulatorError, Store, Succeeded, new_authenticator, timestamp};
use crate::authsignal::wire::{UserActionState, VerificationMethod, WebauthnCredential};
use crate::contact::is_action_code;

/// How long a ceremony's challenge can be answered (WebAuthn's recommended timeout).
pub const CEREMONY_TTL: Duration = Duration::from_secs(300);

/// The relying party passkeys are bound to: its id (a domain) and the origin pages call from.
pub struct RelyingParty {
    webauthn: Webauthn,
}

impl RelyingParty {
    /// `rp_id` must be `origin`'s host or a parent domain of it. An origin on `localhost`
    /// accepts any port, so the example app works on whatever port `dev` was given.
    pub fn new(rp_id: &str, origin: &Url) -> Result<Self, String> {
        let any_port = origin.host_str() == Some("localhost");
        let webauthn = WebauthnBuilder::new(rp_id, origin)
            .and_then(|builder| {
                builder
                    .rp_name("cognito-authsignal (local)")
                    .allow_any_port(any_port)
                    .timeout(CEREMONY_TTL)
                    .build()
            })
            .map_err(|error| {
                format!("`{rp_id}` is not a relying-party id for `{origin}`: {error}")
            })?;
        Ok(RelyingParty { webauthn })
    }

    /// `localhost`, for pages on `http://localhost:<any port>`.
    pub fn localhost() -> Self {
        let origin = Url::parse("http://localhost").unwrap_or_else(|_| unreachable!());
        Self::new("localhost", &origin)
            .unwrap_or_else(|error| unreachable!("the default relying party is valid: {error}"))
    }
}

/// A ceremony started by an options call and finished, once, by the matching verify call.
pub(super) struct Ceremony {
    /// The bearer token that started it: only that token may finish it.
    token: String,
    user_id: String,
    expires_at: SystemTime,
    step: Step,
}

enum Step {
    Register(Box<PasskeyRegistration>),
    Authenticate(Box<PasskeyAuthentication>),
}

/// A passkey sign-in started without a token (`/client/challenge`): for which action, and once
/// its options were asked for, the ceremony. Who signs in is known only from the assertion.
pub(super) struct PendingSignIn {
    action: String,
    expires_at: SystemTime,
    ceremony: Option<Box<DiscoverableAuthentication>>,
}

/// What a registration's authenticator data says of the authenticator: its model (AAGUID) and
/// whether the credential may be, and is, backed up (synced by a password manager).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Attested {
    aaguid: Uuid,
    backup_eligible: bool,
    backup_state: bool,
}

/// Authenticator data flags (WebAuthn §6.1): backup eligible, backed up, attested credential.
const BACKUP_ELIGIBLE: u8 = 0x08;
const BACKED_UP: u8 = 0x10;
const ATTESTED_CREDENTIAL: u8 = 0x40;

impl Attested {
    /// From the attestation object (CBOR, `authData`: rpIdHash(32) flags(1) signCount(4)
    /// AAGUID(16) ...). `None` when it has no attested credential data.
    fn from_attestation_object(attestation_object: &[u8]) -> Option<Attested> {
        let value: ciborium::Value = ciborium::from_reader(attestation_object).ok()?;
        let auth_data = value.as_map()?.iter().find_map(|(key, value)| {
            (key.as_text() == Some("authData")).then(|| value.as_bytes())?
        })?;
        let flags = *auth_data.get(32)?;
        if flags & ATTESTED_CREDENTIAL == 0 {
            return None;
        }
        let aaguid = Uuid::from_slice(auth_data.get(37..53)?).ok()?;
        Some(Attested {
            aaguid,
            backup_eligible: flags & BACKUP_ELIGIBLE != 0,
            backup_state: flags & BACKED_UP != 0,
        })
    }

    /// Authsignal's `credentialDeviceType`: a backup-eligible credential is a multi-device one.
    fn device_type(self) -> &'static str {
        if self.backup_eligible {
            "multiDevice"
        } else {
            "singleDevice"
        }
    }
}

/// The WebAuthn user handle for a user: the 16 bytes of their user id when it is a UUID (a
/// Cognito `sub`), so whoever knows the user id knows the handle, as the API does when it tells
/// a browser which credentials are still accepted; a random one otherwise.
fn user_handle_for(user_id: &str) -> Uuid {
    Uuid::try_parse(user_id).unwrap_or_else(|_| Uuid::new_v4())
}

/// A registered passkey: the credential and the authenticator it is listed as.
pub(super) struct StoredPasskey {
    authenticator_id: String,
    credential: Passkey,
}

fn refused(description: &str) -> EmulatorError {
    EmulatorError::invalid_request(description.to_owned())
}

fn credential_id(passkey: &Passkey) -> String {
    URL_SAFE_NO_PAD.encode(passkey.cred_id().as_slice())
}

impl Store {
    /// Takes the ceremony `challenge_id` if `bearer` started it and it has not expired. A
    /// ceremony is used at most once, whatever the outcome.
    fn take_ceremony(
        &mut self,
        bearer: Option<&str>,
        challenge_id: Option<&str>,
    ) -> Result<Ceremony, EmulatorError> {
        let now = self.now();
        let token = self.client_token(bearer)?;
        let token_user = token.user_id.clone();
        let ceremony = challenge_id
            .and_then(|id| self.ceremonies.remove(id))
            .ok_or_else(|| refused("The challengeId is unknown or was already used."))?;
        if Some(ceremony.token.as_str()) != bearer || ceremony.user_id != token_user {
            return Err(refused("The challengeId belongs to another token."));
        }
        if ceremony.expires_at <= now {
            return Err(refused("The passkey challenge has expired."));
        }
        Ok(ceremony)
    }

    fn start_ceremony(&mut self, bearer: &str, user_id: &str, step: Step) -> String {
        let now = self.now();
        self.ceremonies
            .retain(|_, ceremony| ceremony.expires_at > now);
        let challenge_id = Uuid::new_v4().to_string();
        self.ceremonies.insert(
            challenge_id.clone(),
            Ceremony {
                token: bearer.to_owned(),
                user_id: user_id.to_owned(),
                expires_at: now + CEREMONY_TTL,
                step,
            },
        );
        challenge_id
    }

    /// `POST /client/user-authenticators/passkey/registration-options {username?,
    /// authenticatorAttachment?}` → `{challengeId, options}` (WebAuthn creation options in
    /// their JSON form). Needs `add:authenticators` once the user has an authenticator.
    pub fn passkey_registration_options(
        &mut self,
        relying_party: &RelyingParty,
        bearer: Option<&str>,
        username: Option<&str>,
        attachment: Option<&str>,
    ) -> Result<Value, EmulatorError> {
        let (user_id, scopes) = {
            let token = self.client_token(bearer)?;
            (token.user_id.clone(), token.scopes.clone())
        };
        self.check_may_add(&user_id, &scopes)?;
        let attachment = match attachment {
            None => None,
            Some("platform") => Some(AuthenticatorAttachment::Platform),
            Some("cross-platform") => Some(AuthenticatorAttachment::CrossPlatform),
            Some(_) => {
                return Err(refused(
                    "authenticatorAttachment must be `platform` or `cross-platform`.",
                ));
            }
        };
        let user = self.user(&user_id);
        let handle = *user
            .webauthn_handle
            .get_or_insert_with(|| user_handle_for(&user_id));
        let existing = user
            .passkeys
            .iter()
            .map(|stored| stored.credential.cred_id().clone())
            .collect::<Vec<_>>();
        let name = username
            .filter(|name| !name.trim().is_empty())
            .unwrap_or(&user_id);
        let (mut options, state) = relying_party
            .webauthn
            .start_passkey_registration(handle, name, name, Some(existing))
            .map_err(|error| refused(&format!("Passkey registration cannot start: {error}.")))?;
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.authenticator_attachment = attachment;
        }
        let bearer = bearer.unwrap_or_default();
        let challenge_id = self.start_ceremony(bearer, &user_id, Step::Register(Box::new(state)));
        let mut options = json!(options.public_key);
        // A discoverable credential where the authenticator can make one, so the passkey also
        // signs in without a username (webauthn-rs's passkey registration does not ask).
        options["authenticatorSelection"]["residentKey"] = json!("preferred");
        Ok(json!({ "challengeId": challenge_id, "options": options }))
    }

    /// `POST /client/user-authenticators/passkey {registrationCredential, challengeId}`:
    /// verifies the attestation and adds a `PASSKEY` authenticator; the action succeeds and a
    /// validation token is returned, as after an email OTP enrollment.
    pub fn passkey_register(
        &mut self,
        relying_party: &RelyingParty,
        bearer: Option<&str>,
        challenge_id: Option<&str>,
        credential: &RegisterPublicKeyCredential,
    ) -> Result<Value, EmulatorError> {
        let ceremony = self.take_ceremony(bearer, challenge_id)?;
        let Step::Register(state) = ceremony.step else {
            return Err(refused("The challengeId is not a passkey registration."));
        };
        let passkey = relying_party
            .webauthn
            .finish_passkey_registration(credential, &state)
            .map_err(|error| {
                refused(&format!("The passkey registration is not valid: {error}."))
            })?;
        let taken = self.users.values().any(|user| {
            user.passkeys
                .iter()
                .any(|stored| stored.credential.cred_id() == passkey.cred_id())
        });
        if taken {
            return Err(refused("This credential is already registered."));
        }
        let stamp = timestamp(self.now());
        let authenticator_id = Uuid::new_v4().to_string();
        let mut authenticator = new_authenticator(
            &ceremony.user_id,
            authenticator_id.clone(),
            VerificationMethod::Passkey,
            &stamp,
        );
        authenticator.last_verified_at = Some(stamp.clone());
        // No `aaguidMapping`: the emulator leaves naming the provider to the API's own list.
        let attested = Attested::from_attestation_object(&credential.response.attestation_object);
        authenticator.webauthn_credential = Some(WebauthnCredential {
            credential_id: Some(credential_id(&passkey)),
            name: Some("Passkey".to_owned()),
            aaguid: attested.map(|a| a.aaguid.to_string()),
            credential_backed_up: attested.map(|a| a.backup_state),
            credential_device_type: attested.map(|a| a.device_type().to_owned()),
            verified_at: Some(stamp),
            ..WebauthnCredential::default()
        });
        let user = self.user(&ceremony.user_id);
        user.authenticators.push(authenticator.clone());
        user.passkeys.push(StoredPasskey {
            authenticator_id: authenticator_id.clone(),
            credential: passkey,
        });
        let succeeded = self.succeeded_for(bearer)?;
        let validation_token = self.succeed(succeeded, VerificationMethod::Passkey);
        Ok(json!({
            "isVerified": true,
            "accessToken": validation_token,
            "userAuthenticatorId": authenticator_id,
            "userId": ceremony.user_id,
            "userAuthenticator": authenticator,
        }))
    }

    /// `POST /client/user-authenticators/passkey/authentication-options {challengeId?}` →
    /// `{challengeId, options}` listing the token's user's passkeys.
    pub fn passkey_authentication_options(
        &mut self,
        relying_party: &RelyingParty,
        bearer: Option<&str>,
    ) -> Result<Value, EmulatorError> {
        let user_id = self.client_token(bearer)?.user_id.clone();
        let credentials: Vec<Passkey> = self
            .users
            .get(&user_id)
            .map(|user| {
                user.passkeys
                    .iter()
                    .map(|stored| stored.credential.clone())
                    .collect()
            })
            .unwrap_or_default();
        if credentials.is_empty() {
            return Err(refused("The user has no passkey."));
        }
        let (options, state) = relying_party
            .webauthn
            .start_passkey_authentication(&credentials)
            .map_err(|error| refused(&format!("Passkey sign-in cannot start: {error}.")))?;
        let bearer = bearer.unwrap_or_default();
        let challenge_id =
            self.start_ceremony(bearer, &user_id, Step::Authenticate(Box::new(state)));
        Ok(json!({ "challengeId": challenge_id, "options": options.public_key }))
    }

    /// `POST /client/verify/passkey {authenticationCredential, challengeId}`: verifies the
    /// assertion (challenge, origin, relying party, user verification, signature, and a
    /// signature counter that must go up) → `{isVerified, accessToken, userId,
    /// userAuthenticatorId}`. A refused assertion is `{isVerified: false}`.
    pub fn passkey_verify(
        &mut self,
        relying_party: &RelyingParty,
        bearer: Option<&str>,
        challenge_id: Option<&str>,
        credential: &PublicKeyCredential,
    ) -> Result<Value, EmulatorError> {
        let ceremony = self.take_ceremony(bearer, challenge_id)?;
        let Step::Authenticate(state) = ceremony.step else {
            return Err(refused("The challengeId is not a passkey sign-in."));
        };
        let result = match relying_party
            .webauthn
            .finish_passkey_authentication(credential, &state)
        {
            Ok(result) => result,
            Err(error) => {
                tracing::info!(%error, "emulator: passkey assertion refused");
                return Ok(json!({ "isVerified": false }));
            }
        };
        let Some(authenticator_id) = self.record_assertion(&ceremony.user_id, &result) else {
            return Ok(json!({ "isVerified": false }));
        };
        let succeeded = self.succeeded_for(bearer)?;
        let validation_token = self.succeed(succeeded, VerificationMethod::Passkey);
        Ok(json!({
            "isVerified": true,
            "accessToken": validation_token,
            "userId": ceremony.user_id,
            "userAuthenticatorId": authenticator_id,
        }))
    }

    /// `POST /client/challenge {action}` (no token) → `{challengeId}`: a passkey sign-in for
    /// `action` whose user is not known yet.
    pub fn start_passkey_sign_in(&mut self, action: &str) -> Result<Value, EmulatorError> {
        if !is_action_code(action) {
            return Err(refused("The action code must match ^[a-zA-Z0-9_-]{1,64}$."));
        }
        let now = self.now();
        self.sign_ins.retain(|_, pending| pending.expires_at > now);
        let challenge_id = Uuid::new_v4().to_string();
        self.sign_ins.insert(
            challenge_id.clone(),
            PendingSignIn {
                action: action.to_owned(),
                expires_at: now + CEREMONY_TTL,
                ceremony: None,
            },
        );
        Ok(json!({ "challengeId": challenge_id }))
    }

    /// `POST /client/user-authenticators/passkey/authentication-options {challengeId}` (no
    /// token): options with no allowed credentials, so the browser offers the discoverable ones
    /// it holds. Asked once per sign-in.
    pub fn discoverable_authentication_options(
        &mut self,
        relying_party: &RelyingParty,
        challenge_id: Option<&str>,
    ) -> Result<Value, EmulatorError> {
        let now = self.now();
        let pending = challenge_id
            .and_then(|id| self.sign_ins.get_mut(id))
            .filter(|pending| pending.expires_at > now && pending.ceremony.is_none())
            .ok_or_else(|| refused("The challengeId is unknown, expired or already used."))?;
        let (options, state) = relying_party
            .webauthn
            .start_discoverable_authentication()
            .map_err(|error| refused(&format!("Passkey sign-in cannot start: {error}.")))?;
        pending.ceremony = Some(Box::new(state));
        Ok(json!({ "challengeId": challenge_id, "options": options.public_key }))
    }

    /// `POST /client/verify/passkey {authenticationCredential, challengeId}` (no token): the
    /// user is the one whose passkey signed; the sign-in's action succeeds for them with a new
    /// idempotency key → `{isVerified, accessToken, userId, userAuthenticatorId, username}`.
    pub fn discoverable_passkey_verify(
        &mut self,
        relying_party: &RelyingParty,
        challenge_id: Option<&str>,
        credential: &PublicKeyCredential,
    ) -> Result<Value, EmulatorError> {
        let now = self.now();
        let pending = challenge_id
            .and_then(|id| self.sign_ins.remove(id))
            .filter(|pending| pending.expires_at > now)
            .ok_or_else(|| refused("The challengeId is unknown, expired or already used."))?;
        let Some(state) = pending.ceremony else {
            return Err(refused("The passkey sign-in has no options yet."));
        };
        let Ok((handle, credential_id)) = relying_party
            .webauthn
            .identify_discoverable_authentication(credential)
        else {
            return Ok(json!({ "isVerified": false }));
        };
        let owner = self.users.iter().find_map(|(user_id, user)| {
            let stored = user.passkeys.iter().find(|stored| {
                user.webauthn_handle == Some(handle)
                    && stored.credential.cred_id().as_slice() == credential_id
            })?;
            Some((user_id.clone(), stored.credential.clone()))
        });
        let Some((user_id, passkey)) = owner else {
            tracing::info!("emulator: a passkey sign-in presented an unknown credential");
            return Ok(json!({ "isVerified": false }));
        };
        let result = match relying_party
            .webauthn
            .finish_discoverable_authentication_v2(credential, *state, &passkey)
        {
            Ok(result) => result,
            Err(error) => {
                tracing::info!(%error, "emulator: passkey assertion refused");
                return Ok(json!({ "isVerified": false }));
            }
        };
        let Some(authenticator_id) = self.record_assertion(&user_id, &result) else {
            return Ok(json!({ "isVerified": false }));
        };
        let idempotency_key = Uuid::new_v4().to_string();
        let user = self.user(&user_id);
        user.actions.insert(
            idempotency_key.clone(),
            Action {
                code: pending.action.clone(),
                state: UserActionState::ChallengeRequired,
                state_updated_at: now,
                verification_method: None,
            },
        );
        let username = user.username.clone();
        let succeeded = Succeeded {
            user_id: user_id.clone(),
            idempotency_key,
            action: pending.action,
            scopes: Vec::new(),
        };
        let validation_token = self.succeed(succeeded, VerificationMethod::Passkey);
        Ok(json!({
            "isVerified": true,
            "accessToken": validation_token,
            "userId": user_id,
            "userAuthenticatorId": authenticator_id,
            "username": username,
        }))
    }

    /// After a verified assertion: the credential's counter, the authenticator's last use and
    /// whether it is backed up now (a password manager may have synced it since).
    /// The authenticator's id, or `None` when the credential is no longer registered.
    fn record_assertion(
        &mut self,
        user_id: &str,
        result: &webauthn_rs::prelude::AuthenticationResult,
    ) -> Option<String> {
        let stamp = timestamp(self.now());
        let user = self.user(user_id);
        let stored = user
            .passkeys
            .iter_mut()
            .find(|stored| stored.credential.cred_id() == result.cred_id())?;
        stored.credential.update_credential(result);
        let authenticator_id = stored.authenticator_id.clone();
        if let Some(listed) = user.listed_mut(&authenticator_id) {
            listed.last_verified_at = Some(stamp);
            if let Some(credential) = listed.webauthn_credential.as_mut() {
                credential.credential_backed_up = Some(result.backup_state());
            }
        }
        Some(authenticator_id)
    }

    /// The action behind a bearer token, to mark as succeeded.
    fn succeeded_for(&mut self, bearer: Option<&str>) -> Result<Succeeded, EmulatorError> {
        self.client_token(bearer).map(|token| Succeeded::of(token))
    }

    /// Forgets the passkey listed as `authenticator_id` (its authenticator was deleted).
    pub(super) fn forget_passkey(&mut self, user_id: &str, authenticator_id: &str) {
        if let Some(user) = self.users.get_mut(user_id) {
            user.passkeys
                .retain(|stored| stored.authenticator_id != authenticator_id);
        }
    }
}
