//! Authenticator apps (TOTP) and SMS in the emulator's Client API, as `@authsignal/browser`
//! calls them: enrolled, verified, listed and validated like the other methods, and bounded as
//! Authsignal documents (a code used once, ±1 step, send and verification limits).

use cognito_authsignal::authsignal::*;
use cognito_authsignal_local::authsignal::store::{CODE_VERIFICATIONS, SMS_SENDS};
use serde_json::{Value, json};

use crate::authenticator_app::totp_code;
use crate::emulator::Tenant;

impl Tenant {
    async fn verify_totp(&self, token: &str, code: &str) -> (u16, Value) {
        self.call("verify/totp", token, json!({ "verificationCode": code }))
            .await
    }

    /// Adds an authenticator app for `user` (their first authenticator); its secret.
    async fn add_app(&self, user: &str) -> String {
        let token = self
            .token_with(user, "addAuthenticator", TrackAttributes::default())
            .await;
        let (status, enrolled) = self
            .call("user-authenticators/totp", &token, json!({}))
            .await;
        assert_eq!(status, 200, "{enrolled}");
        let secret = enrolled["secret"].as_str().unwrap().to_owned();
        let now = self.app.local.emulator_now().await;
        let (status, verified) = self.verify_totp(&token, &totp_code(&secret, now)).await;
        assert_eq!(
            (status, &verified["isVerified"]),
            (200, &json!(true)),
            "{verified}"
        );
        secret
    }
}

#[tokio::test]
async fn an_authenticator_app_is_added_with_a_fresh_secret_and_proves_a_sign_in() {
    let tenant = Tenant::start().await;
    let user = "totp-user-1";
    let token = tenant
        .token_with(user, "addAuthenticator", TrackAttributes::default())
        .await;
    let (status, enrolled) = tenant
        .call("user-authenticators/totp", &token, json!({}))
        .await;
    assert_eq!(status, 200, "{enrolled}");
    let secret = enrolled["secret"].as_str().unwrap();
    let uri = enrolled["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert_eq!(enrolled["userId"], user);
    // Nothing is listed until a code confirms the app.
    assert!(
        tenant
            .client
            .get_authenticators(user)
            .await
            .unwrap()
            .is_empty()
    );
    let (_, wrong) = tenant.verify_totp(&token, "000000").await;
    assert_eq!(wrong["failureReason"], "CODE_INVALID_OR_EXPIRED");
    let now = tenant.app.local.emulator_now().await;
    let (_, verified) = tenant.verify_totp(&token, &totp_code(secret, now)).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    assert_eq!(
        verified["userAuthenticator"]["verificationMethod"],
        "AUTHENTICATOR_APP"
    );
    let listed = tenant.client.get_authenticators(user).await.unwrap();
    assert_eq!(
        listed[0].verification_method,
        VerificationMethod::AuthenticatorApp
    );

    // A sign-in answered with the next step's code validates as AUTHENTICATOR_APP.
    let now = tenant.app.local.advance_clock(30).await;
    let sign_in = tenant
        .token_with(user, "signIn", TrackAttributes::default())
        .await;
    let (_, proved) = tenant.verify_totp(&sign_in, &totp_code(secret, now)).await;
    assert_eq!(proved["isVerified"], true, "{proved}");
    let validated = tenant
        .validate(proved["accessToken"].as_str().unwrap())
        .await;
    assert!(validated.challenge_succeeded());
    assert_eq!(
        validated.verification_method,
        Some(VerificationMethod::AuthenticatorApp)
    );

    // Removed: it proves nothing any more, and a new one can be added.
    tenant
        .client
        .delete_authenticator(user, &listed[0].user_authenticator_id)
        .await
        .unwrap();
    let later = tenant.app.local.advance_clock(30).await;
    let sign_in = tenant
        .token_with(user, "signIn", TrackAttributes::default())
        .await;
    let (status, gone) = tenant
        .verify_totp(&sign_in, &totp_code(secret, later))
        .await;
    assert_eq!(status, 400, "{gone}");
    tenant.add_app(user).await;
}

#[tokio::test]
async fn a_totp_code_is_accepted_once_and_not_from_two_steps_ago() {
    let tenant = Tenant::start().await;
    let user = "totp-user-2";
    let secret = tenant.add_app(user).await;
    let now = tenant.app.local.advance_clock(30).await;
    let code = totp_code(&secret, now);
    let first = tenant
        .token_with(user, "signIn", TrackAttributes::default())
        .await;
    let (_, accepted) = tenant.verify_totp(&first, &code).await;
    assert_eq!(accepted["isVerified"], true, "{accepted}");
    // The same code again, for another sign-in: RFC 6238 §5.2, once.
    let second = tenant
        .token_with(user, "signIn", TrackAttributes::default())
        .await;
    let (_, reused) = tenant.verify_totp(&second, &code).await;
    assert_eq!(reused["isVerified"], false, "{reused}");
    assert_eq!(reused["failureReason"], "CODE_INVALID_OR_EXPIRED");
    // A code two steps old is outside the one step of skew.
    let now = tenant.app.local.advance_clock(90).await;
    let (_, stale) = tenant
        .verify_totp(&second, &totp_code(&secret, now - 60))
        .await;
    assert_eq!(stale["isVerified"], false, "{stale}");
    // One step old is within it.
    let (_, skewed) = tenant
        .verify_totp(&second, &totp_code(&secret, now - 30))
        .await;
    assert_eq!(skewed["isVerified"], true, "{skewed}");
}

#[tokio::test]
async fn wrong_codes_past_the_verification_limit_are_too_many_requests_even_the_right_one() {
    let tenant = Tenant::start().await;
    let user = "totp-user-3";
    let secret = tenant.add_app(user).await;
    let sign_in = tenant
        .token_with(user, "signIn", TrackAttributes::default())
        .await;
    // The enrollment's own code counted as one verification.
    for _ in 1..CODE_VERIFICATIONS.max {
        let (status, wrong) = tenant.verify_totp(&sign_in, "000000").await;
        assert_eq!(
            (status, &wrong["isVerified"]),
            (200, &json!(false)),
            "{wrong}"
        );
    }
    let now = tenant.app.local.advance_clock(30).await;
    let (status, limited) = tenant.verify_totp(&sign_in, &totp_code(&secret, now)).await;
    assert_eq!(status, 429, "{limited}");
    assert_eq!(limited["errorCode"], "too_many_requests");
    // The window passes.
    let now = tenant
        .app
        .local
        .advance_clock(CODE_VERIFICATIONS.window.as_secs() as u32)
        .await;
    let fresh = tenant
        .token_with(user, "signIn", TrackAttributes::default())
        .await;
    let (_, accepted) = tenant.verify_totp(&fresh, &totp_code(&secret, now)).await;
    assert_eq!(accepted["isVerified"], true, "{accepted}");
}

#[tokio::test]
async fn a_phone_is_added_by_sms_and_proves_a_sign_in_with_a_texted_code() {
    let tenant = Tenant::start().await;
    let user = "sms-user-1";
    let phone = "+447700900123";
    let token = tenant
        .token_with(user, "addAuthenticator", TrackAttributes::default())
        .await;
    let (status, enrolled) = tenant
        .call(
            "user-authenticators/sms",
            &token,
            json!({ "phoneNumber": phone }),
        )
        .await;
    assert_eq!(status, 200, "{enrolled}");
    let code = tenant.app.local.code_for(phone).await;
    let (_, verified) = tenant
        .call("verify/sms", &token, json!({ "verificationCode": code }))
        .await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    assert_eq!(
        verified["userAuthenticator"]["phoneNumber"],
        "+4*******0123"
    );
    let listed = tenant.client.get_authenticators(user).await.unwrap();
    assert_eq!(listed[0].verification_method, VerificationMethod::Sms);
    assert_eq!(listed[0].phone_number.as_deref(), Some(phone));

    let sign_in = tenant
        .token_with(user, "signIn", TrackAttributes::default())
        .await;
    let (status, _) = tenant.call("challenge/sms", &sign_in, json!({})).await;
    assert_eq!(status, 200);
    let code = tenant.app.local.code_for(phone).await;
    let (_, wrong) = tenant
        .call(
            "verify/sms",
            &sign_in,
            json!({ "verificationCode": "000000" }),
        )
        .await;
    assert_eq!(wrong["failureReason"], "CODE_INVALID_OR_EXPIRED");
    let (_, proved) = tenant
        .call("verify/sms", &sign_in, json!({ "verificationCode": code }))
        .await;
    assert_eq!(proved["isVerified"], true, "{proved}");
    let validated = tenant
        .validate(proved["accessToken"].as_str().unwrap())
        .await;
    assert_eq!(validated.verification_method, Some(VerificationMethod::Sms));
    // An SMS code does not answer an email challenge.
    let (status, _) = tenant
        .call(
            "verify/email-otp",
            &sign_in,
            json!({ "verificationCode": code }),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn texts_past_the_send_limit_are_refused_and_nothing_is_sent() {
    let tenant = Tenant::start().await;
    let user = "sms-user-2";
    let phone = "+447700900124";
    let attributes = TrackAttributes {
        phone_number: Some(phone.into()),
        ..TrackAttributes::default()
    };
    let token = tenant.token_with(user, "signIn", attributes).await;
    for _ in 0..SMS_SENDS.max {
        let (status, sent) = tenant.call("challenge/sms", &token, json!({})).await;
        assert_eq!(status, 200, "{sent}");
    }
    let last = tenant.app.local.code_for(phone).await;
    let (status, limited) = tenant.call("challenge/sms", &token, json!({})).await;
    assert_eq!(status, 429, "{limited}");
    assert_eq!(limited["errorCode"], "too_many_requests");
    // The last code sent still answers: nothing new went out.
    let (_, proved) = tenant
        .call("verify/sms", &token, json!({ "verificationCode": last }))
        .await;
    assert_eq!(proved["isVerified"], true, "{proved}");
}
