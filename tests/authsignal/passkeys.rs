//! Passkeys in the emulator's Client API, answered by a software authenticator: registration
//! and sign-in are verified for real (origin, relying party, user verification, signature,
//! signature counter), ceremonies are single-use, and a passkey is an authenticator like any
//! other (listed, validated as `PASSKEY`, deleted).

use cognito_authsignal::authsignal::*;
use serde_json::{Value, json};

use crate::emulator::Tenant;
use crate::soft_passkey::{Fault, SoftPasskey};

const ORIGIN: &str = "http://localhost:5173";

impl Tenant {
    /// A client token for `action` with `scope`.
    async fn token(&self, user: &str, action: &str, scope: Option<&str>) -> String {
        let attributes = TrackAttributes {
            scope: scope.map(str::to_owned),
            ..TrackAttributes::default()
        };
        self.token_with(user, action, attributes).await
    }

    async fn register(&self, token: &str, passkey: &mut SoftPasskey, fault: Fault) -> (u16, Value) {
        passkey
            .enroll(&self.app.local, token, "jo@example.com", fault)
            .await
    }

    async fn sign_in(&self, token: &str, passkey: &mut SoftPasskey, fault: Fault) -> Value {
        passkey.sign_in(&self.app.local, token, fault).await
    }
}

#[tokio::test]
async fn a_registered_passkey_is_listed_and_signs_in() {
    let passkeys = Tenant::start().await;
    let user = "5f0c1a7e-passkey-user";
    let mut passkey = SoftPasskey::new("localhost", ORIGIN);

    let enrollment = passkeys.token(user, "addAuthenticator", None).await;
    let (status, added) = passkeys
        .register(&enrollment, &mut passkey, Fault::None)
        .await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["isVerified"], true);
    assert_eq!(added["userId"], user);
    assert_eq!(added["userAuthenticator"]["verificationMethod"], "PASSKEY");
    let enrolled = passkeys
        .validate(added["accessToken"].as_str().unwrap())
        .await;
    assert!(enrolled.is_valid);
    assert_eq!(
        enrolled.verification_method,
        Some(VerificationMethod::Passkey)
    );

    let listed = passkeys.client.get_authenticators(user).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].verification_method, VerificationMethod::Passkey);
    assert_eq!(
        listed[0].user_authenticator_id,
        added["userAuthenticatorId"].as_str().unwrap()
    );
    let credential = listed[0].webauthn_credential.as_ref().unwrap();
    assert_eq!(
        credential.credential_id.as_deref(),
        Some(passkey.credential_id_b64().as_str())
    );

    let sign_in = passkeys.token(user, "signIn", None).await;
    let verified = passkeys.sign_in(&sign_in, &mut passkey, Fault::None).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    assert_eq!(
        verified["userAuthenticatorId"],
        added["userAuthenticatorId"]
    );
    let validated = passkeys
        .validate(verified["accessToken"].as_str().unwrap())
        .await;
    assert!(validated.challenge_succeeded());
    assert_eq!(validated.action(), Some("signIn"));
    assert_eq!(
        validated.verification_method,
        Some(VerificationMethod::Passkey)
    );
}

#[tokio::test]
async fn a_passkey_is_recorded_with_its_model_its_backup_flags_and_its_last_use() {
    let passkeys = Tenant::start().await;
    let user = "2c9e-synced-later";
    // A passkey its provider may sync but has not synced yet, from a model the list knows.
    let aaguid = "fbfc3007-154e-4ecc-8c0b-6e020557d7bd";
    let mut passkey = SoftPasskey::new("localhost", ORIGIN);
    passkey.aaguid = *uuid::Uuid::parse_str(aaguid).unwrap().as_bytes();
    passkey.backup_eligible = true;
    let enrollment = passkeys.token(user, "addAuthenticator", None).await;
    let (status, added) = passkeys
        .register(&enrollment, &mut passkey, Fault::None)
        .await;
    assert_eq!(status, 200, "{added}");
    let listed = passkeys.client.get_authenticators(user).await.unwrap();
    let credential = listed[0].webauthn_credential.clone().unwrap();
    assert_eq!(credential.aaguid.as_deref(), Some(aaguid));
    assert_eq!(
        credential.credential_device_type.as_deref(),
        Some("multiDevice")
    );
    assert_eq!(credential.credential_backed_up, Some(false));
    assert!(credential.verified_at.is_some());
    // No mapping of its own: the API names the provider from its list.
    assert_eq!(credential.aaguid_mapping, None);

    // Synced since: the next sign-in says so, and is the last use.
    passkeys.app.local.advance_clock(60).await;
    passkey.backed_up = true;
    let sign_in = passkeys.token(user, "signIn", None).await;
    let verified = passkeys.sign_in(&sign_in, &mut passkey, Fault::None).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    let listed = passkeys.client.get_authenticators(user).await.unwrap();
    let credential = listed[0].webauthn_credential.clone().unwrap();
    assert_eq!(credential.credential_backed_up, Some(true));
    assert!(
        listed[0].last_verified_at > listed[0].created_at,
        "{listed:?}"
    );

    // A single-device passkey (no BE flag) says so.
    let mut device_bound = SoftPasskey::new("localhost", ORIGIN);
    let other = "2c9e-device-bound";
    let enrollment = passkeys.token(other, "addAuthenticator", None).await;
    let (status, _) = passkeys
        .register(&enrollment, &mut device_bound, Fault::None)
        .await;
    assert_eq!(status, 200);
    let listed = passkeys.client.get_authenticators(other).await.unwrap();
    let credential = listed[0].webauthn_credential.clone().unwrap();
    assert_eq!(
        credential.credential_device_type.as_deref(),
        Some("singleDevice")
    );
    assert_eq!(
        credential.aaguid.as_deref(),
        Some("00000000-0000-0000-0000-000000000000")
    );
}

#[tokio::test]
async fn an_assertion_with_any_defect_is_refused() {
    let passkeys = Tenant::start().await;
    let user = "passkey-defects";
    let mut passkey = SoftPasskey::new("localhost", ORIGIN);
    let enrollment = passkeys.token(user, "addAuthenticator", None).await;
    let (status, _) = passkeys
        .register(&enrollment, &mut passkey, Fault::None)
        .await;
    assert_eq!(status, 200);

    for fault in [
        Fault::Origin,
        Fault::RpId,
        Fault::Signature,
        Fault::NoUserVerification,
    ] {
        let token = passkeys.token(user, "signIn", None).await;
        let refused = passkeys.sign_in(&token, &mut passkey, fault).await;
        assert_eq!(refused["isVerified"], false, "{fault:?}: {refused}");
        assert!(refused.get("accessToken").is_none(), "{fault:?}");
        // The action did not succeed: the client token does not validate.
        assert!(!passkeys.validate(&token).await.is_valid, "{fault:?}");
    }
    // The signature counter must go up from the last accepted assertion's: the same value
    // again is what a cloned authenticator sends.
    let token = passkeys.token(user, "signIn", None).await;
    let accepted = passkeys.sign_in(&token, &mut passkey, Fault::None).await;
    assert_eq!(accepted["isVerified"], true, "{accepted}");
    let token = passkeys.token(user, "signIn", None).await;
    let replayed = passkeys
        .sign_in(&token, &mut passkey, Fault::CounterNotIncreased)
        .await;
    assert_eq!(replayed["isVerified"], false, "{replayed}");
    assert!(!passkeys.validate(&token).await.is_valid);
}

#[tokio::test]
async fn a_registration_from_another_origin_or_relying_party_is_refused() {
    let passkeys = Tenant::start().await;
    for fault in [Fault::Origin, Fault::RpId, Fault::NoUserVerification] {
        let user = format!("passkey-registration-{fault:?}");
        let token = passkeys.token(&user, "addAuthenticator", None).await;
        let mut passkey = SoftPasskey::new("localhost", ORIGIN);
        let (status, body) = passkeys.register(&token, &mut passkey, fault).await;
        assert_eq!(status, 400, "{fault:?}: {body}");
        assert_eq!(body["errorCode"], "invalid_request");
        assert!(
            passkeys
                .client
                .get_authenticators(&user)
                .await
                .unwrap()
                .is_empty()
        );
    }
    // A page on localhost at another port is the same relying party.
    let token = passkeys
        .token("passkey-other-port", "addAuthenticator", None)
        .await;
    let mut passkey = SoftPasskey::new("localhost", "http://localhost:41234");
    let (status, body) = passkeys.register(&token, &mut passkey, Fault::None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_ceremony_is_answered_once_by_the_token_that_started_it() {
    let passkeys = Tenant::start().await;
    let user = "passkey-ceremonies";
    let token = passkeys.token(user, "addAuthenticator", None).await;
    let (_, options) = passkeys
        .call(
            "user-authenticators/passkey/registration-options",
            &token,
            json!({}),
        )
        .await;
    let mut passkey = SoftPasskey::new("localhost", ORIGIN);
    let credential = passkey.register(&options["options"], Fault::None);
    let answer =
        json!({ "registrationCredential": credential, "challengeId": options["challengeId"] });

    let other = passkeys.token(user, "addAuthenticator", None).await;
    let (status, body) = passkeys
        .call("user-authenticators/passkey", &other, answer.clone())
        .await;
    assert_eq!(
        (status, &body["errorCode"]),
        (400, &json!("invalid_request"))
    );
    // The other token's attempt used the ceremony up.
    let (status, body) = passkeys
        .call("user-authenticators/passkey", &token, answer)
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errorDescription"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    let (status, _) = passkeys
        .call(
            "verify/passkey",
            &token,
            json!({ "authenticationCredential": passkey.assert(&json!({"challenge": "x", "rpId": "localhost"}), Fault::None), "challengeId": "made-up" }),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_second_authenticator_needs_the_add_scope_and_a_deleted_passkey_signs_in_no_more() {
    let passkeys = Tenant::start().await;
    let user = "passkey-second";
    let mut first = SoftPasskey::new("localhost", ORIGIN);
    let token = passkeys.token(user, "addAuthenticator", None).await;
    let (status, added) = passkeys.register(&token, &mut first, Fault::None).await;
    assert_eq!(status, 200);

    let unscoped = passkeys.token(user, "addAuthenticator", None).await;
    let (status, refused) = passkeys
        .call(
            "user-authenticators/passkey/registration-options",
            &unscoped,
            json!({}),
        )
        .await;
    assert_eq!((status, &refused["errorCode"]), (403, &json!("forbidden")));

    let scoped = passkeys
        .token(user, "addAuthenticator", Some("add:authenticators"))
        .await;
    let (_, options) = passkeys
        .call(
            "user-authenticators/passkey/registration-options",
            &scoped,
            json!({}),
        )
        .await;
    let excluded = options["options"]["excludeCredentials"].as_array().unwrap();
    assert_eq!(excluded.len(), 1, "the existing passkey is excluded");
    // The same credential registered again is refused.
    let credential = first.register(&options["options"], Fault::None);
    let (status, body) = passkeys
        .call(
            "user-authenticators/passkey",
            &scoped,
            json!({ "registrationCredential": credential, "challengeId": options["challengeId"] }),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    let id = added["userAuthenticatorId"].as_str().unwrap();
    passkeys
        .client
        .delete_authenticator(user, id)
        .await
        .unwrap();
    let sign_in = passkeys.token(user, "signIn", None).await;
    let (status, body) = passkeys
        .call(
            "user-authenticators/passkey/authentication-options",
            &sign_in,
            json!({}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errorDescription"], "The user has no passkey.");
}

/// A usernameless sign-in's calls, made before the browser SDK holds a token.
async fn as_tenant(passkeys: &Tenant, path: &str, tenant: &str, body: Value) -> (u16, Value) {
    passkeys
        .app
        .local
        .client_api_as_tenant(path, tenant, body)
        .await
}

#[tokio::test]
async fn a_discoverable_passkey_signs_in_without_a_username_for_the_action_asked() {
    use cognito_authsignal_local::authsignal::TENANT_ID;
    let passkeys = Tenant::start().await;
    let user = "7a1d-usernameless";
    let attributes = TrackAttributes {
        username: Some("jo".into()),
        ..TrackAttributes::default()
    };
    let enrollment = passkeys
        .client
        .track(user, "addAuthenticator", &attributes)
        .await
        .unwrap()
        .token
        .unwrap();
    let (status, options) = passkeys
        .call(
            "user-authenticators/passkey/registration-options",
            &enrollment,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{options}");
    // Registration asks for a discoverable credential.
    assert_eq!(
        options["options"]["authenticatorSelection"]["residentKey"],
        "preferred"
    );
    let mut passkey = SoftPasskey::new("localhost", ORIGIN);
    let (status, added) = passkeys
        .register(&enrollment, &mut passkey, Fault::None)
        .await;
    assert_eq!(status, 200, "{added}");

    let verified = passkey
        .sign_in_without_username(&passkeys.app.local, TENANT_ID, "signIn", Fault::None)
        .await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    assert_eq!(verified["userId"], user);
    assert_eq!(verified["username"], "jo");
    let validation = passkeys
        .validate(verified["accessToken"].as_str().unwrap())
        .await;
    assert!(validation.challenge_succeeded(), "{validation:?}");
    assert_eq!(validation.action(), Some("signIn"));
    assert_eq!(
        validation.verification_method,
        Some(VerificationMethod::Passkey)
    );
}

#[tokio::test]
async fn a_sign_in_without_a_token_needs_the_tenant_and_is_answered_once() {
    use cognito_authsignal_local::authsignal::TENANT_ID;
    let passkeys = Tenant::start().await;
    let (status, refused) = as_tenant(
        &passkeys,
        "challenge",
        "another-tenant",
        json!({ "action": "signIn" }),
    )
    .await;
    assert_eq!((status, &refused["error"]), (401, &json!("unauthorized")));

    let (status, started) = as_tenant(
        &passkeys,
        "challenge",
        TENANT_ID,
        json!({ "action": "signIn" }),
    )
    .await;
    assert_eq!(status, 200, "{started}");
    let options_body = json!({ "challengeId": started["challengeId"] });
    let (status, options) = as_tenant(
        &passkeys,
        "user-authenticators/passkey/authentication-options",
        TENANT_ID,
        options_body.clone(),
    )
    .await;
    assert_eq!(status, 200, "{options}");
    let (status, again) = as_tenant(
        &passkeys,
        "user-authenticators/passkey/authentication-options",
        TENANT_ID,
        options_body,
    )
    .await;
    assert_eq!(status, 400, "{again}");

    // A credential the emulator never registered: not verified, and the sign-in is spent.
    let mut stranger = SoftPasskey::new("localhost", ORIGIN);
    stranger.user_handle = Some("c29tZW9uZQ".into());
    let credential = stranger.assert(&options["options"], Fault::None);
    let verify_body =
        json!({ "authenticationCredential": credential, "challengeId": started["challengeId"] });
    let (status, verified) =
        as_tenant(&passkeys, "verify/passkey", TENANT_ID, verify_body.clone()).await;
    assert_eq!(
        (status, &verified["isVerified"]),
        (200, &json!(false)),
        "{verified}"
    );
    let (status, spent) = as_tenant(&passkeys, "verify/passkey", TENANT_ID, verify_body).await;
    assert_eq!(status, 400, "{spent}");
}
