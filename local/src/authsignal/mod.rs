//! An in-memory Authsignal tenant for local development and tests, mounted by `dev` under
//! `/local/authsignal`. The service talks to it over HTTP with its ordinary client, exactly as
//! it talks to Authsignal.
//!
//! # Server API (`/local/authsignal/v1`, HTTP Basic with the secret key as username)
//! - `POST /users/{userId}/actions/{action}`: track. `state` is `CHALLENGE_REQUIRED` when the
//!   user has an authenticator, else `ALLOW`. Returns a new `idempotencyKey`, a client `token`
//!   valid 10 minutes carrying the requested `scope` (default `read:authenticators`), a `url` to
//!   the local pre-built UI page, `isEnrolled` and the enrolled/allowed methods. An `email` or
//!   `phoneNumber` attribute is remembered on the user, and so is `username`.
//! - `POST /validate {token, userId?, action?}`: `isValid` is true when the token's action is
//!   `CHALLENGE_SUCCEEDED` or `ALLOW`, the token is unexpired, and `userId`/`action` (when
//!   given) match. Wire field `actionCode`. Unknown, expired or mismatched tokens answer 200
//!   with `isValid: false` and an `error`. Validating twice is allowed (replay protection is
//!   the caller's job).
//! - `GET /users/{userId}`: unknown users answer `isEnrolled: false`, never 404.
//! - `GET /users/{userId}/authenticators`, `POST` the same path to enroll a verified
//!   `EMAIL_OTP`/`EMAIL_MAGIC_LINK` (needs `email`), `SMS`/`WHATSAPP` (needs E.164
//!   `phoneNumber`) or `AUTHENTICATOR_APP` authenticator.
//! - `DELETE /users/{userId}/authenticators/{id}`: 200 `{}`; 404 `not_found` when the id is
//!   not one of this user's.
//!
//! # Client API (`/local/authsignal/v1/client`, `Authorization: Bearer <track token>`)
//! Passkeys, as `@authsignal/browser` calls them (WebAuthn verified by `webauthn-rs` for the
//! configured relying party, `localhost` by default; attestation `none`; user verification
//! required; the signature counter must go up):
//! - `POST /client/user-authenticators/passkey/registration-options {username?,
//!   authenticatorAttachment?}` → `{challengeId, options}`; needs `add:authenticators` once the
//!   user has an authenticator.
//! - `POST /client/user-authenticators/passkey {registrationCredential, challengeId}` →
//!   `{isVerified, accessToken, userAuthenticatorId, userId, userAuthenticator}`.
//! - `POST /client/user-authenticators/passkey/authentication-options {challengeId?}` →
//!   `{challengeId, options}` for the token's user.
//! - `POST /client/verify/passkey {authenticationCredential, challengeId}` → `{isVerified,
//!   accessToken, userId, userAuthenticatorId}`; a refused assertion is `{isVerified: false}`.
//!   A `challengeId` is answered once, by the token that asked for it, within 5 minutes.
//!
//! Passkey sign-in without a token (usernameless, or autofill on a username field), as
//! `passkey.signIn({action})` calls it, with `Authorization: Basic base64(<tenant id>)`
//! ([`TENANT_ID`]):
//! - `POST /client/challenge {action}` → `{challengeId}`.
//! - `POST /client/user-authenticators/passkey/authentication-options {challengeId}` →
//!   `{challengeId, options}` with no allowed credentials: the browser offers the discoverable
//!   passkeys it has for the relying party.
//! - `POST /client/verify/passkey {authenticationCredential, challengeId}`: the user is the one
//!   whose WebAuthn user handle the assertion names → `{isVerified, accessToken, userId,
//!   userAuthenticatorId, username}`; the action (a new idempotency key) becomes
//!   `CHALLENGE_SUCCEEDED` by `PASSKEY`, and `username` is the one track last gave the user.
//!   Registration options ask for a discoverable credential (`residentKey: preferred`).
//!
//! Shapes follow `@authsignal/browser`'s email client:
//! - `POST /client/user-authenticators/email-otp {email}` → `{userAuthenticatorId, userId}`;
//!   sends a code. Needs the `add:authenticators` scope once the user has any authenticator
//!   (403 `forbidden` otherwise). Several email authenticators are allowed, one per address.
//! - `POST /client/challenge/email-otp` → `{challengeId}`; sends a code to the enrolled email,
//!   or (for a user without one) to the email given to track, enrolling it on verify.
//! - `POST /client/verify/email-otp {verificationCode}` → `{isVerified, accessToken,
//!   userAuthenticator?}` (the SDK hands `accessToken` to the app as `token`); the action
//!   becomes `CHALLENGE_SUCCEEDED` and `accessToken` is a validation token that `/validate`
//!   accepts. Wrong or expired codes: `{isVerified: false, failureReason:
//!   "CODE_INVALID_OR_EXPIRED"}`; after 5 wrong codes `MAX_ATTEMPTS_EXCEEDED`.
//! - SMS, as `@authsignal/browser`'s SMS client: `POST /client/user-authenticators/sms
//!   {phoneNumber}`, `POST /client/challenge/sms`, `POST /client/verify/sms
//!   {verificationCode}`, the same rules and answers as email OTP (the hint is the
//!   `phoneNumber` given to track).
//! - Authenticator apps (TOTP): `POST /client/user-authenticators/totp` → `{userAuthenticatorId,
//!   userId, uri, secret}` (a fresh base32 secret and its `otpauth://` URI); `POST
//!   /client/verify/totp {verificationCode}` confirms the app being added, or proves the
//!   enrolled one (±1 step of 30 s; a step's code is accepted once). One app per user.
//! - Rate limits, per user, as Authsignal's FAQ states them: 12 email OTP sends and 6 SMS sends
//!   per 10 minutes; 10 verifications per 5 minutes for each of email OTP, SMS and TOTP. Past
//!   one: 429 `too_many_requests`, and nothing is sent or checked.
//! - Expired token: 401 `expired_token`; missing or unknown token: 401 `unauthorized`.
//!
//! # Local helpers (no auth; the local stack only)
//! - `GET /local/authsignal/outbox?userId=&email=&phoneNumber=`: `{messages: [{userId,
//!   email | phoneNumber, code, sentAt}]}`, the latest code per user and address, emails and
//!   text messages alike. Codes are never sent anywhere.
//! - `POST /local/authsignal/clock {advanceSeconds}`: moves the emulator's clock forward.
//! - `GET /local/authsignal/ui?token=&mode=popup&screen=settings`: the stand-in for the
//!   pre-built UI. It runs an email OTP challenge with the token (code from the outbox), then
//!   hands the validation token back as Authsignal's does: in popup mode by posting
//!   `{"event":"AUTHSIGNAL_CLOSE_POPUP","token"}` to the opener (only to the configured app
//!   origins), else by redirecting to the track's `redirectUrl` with `?token=`.
//!
//! Errors are Authsignal-shaped `{error, errorCode, errorDescription}`: 401 `unauthorized`
//! for a wrong secret, 400 `invalid_request` for bad bodies.

pub mod store;
mod ui;
pub mod wire;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use self::wire::{EnrollVerifiedAuthenticatorRequest, TrackAttributes, ValidateChallengeRequest};
pub use store::{CEREMONY_TTL, RelyingParty};
use store::{Channel, EmulatorError, Store};

/// The tenant id (the browser SDK's `tenantId`, its publishable key) of the emulator's tenant.
pub const TENANT_ID: &str = "local-tenant";

/// The emulator: a secret key and an in-memory tenant.
pub struct Emulator {
    secret_key: SecretString,
    relying_party: RelyingParty,
    /// Origins the pre-built UI may hand a token to (`postMessage` in popup mode).
    app_origins: Vec<String>,
    /// `{server base URL}/local/authsignal`, used to build pre-built UI links.
    public_url: String,
    store: Mutex<Store>,
}

impl Emulator {
    pub fn new(secret_key: SecretString, server_base_url: &str) -> Self {
        Emulator {
            secret_key,
            relying_party: RelyingParty::localhost(),
            app_origins: Vec::new(),
            public_url: format!("{server_base_url}/local/authsignal"),
            store: Mutex::default(),
        }
    }

    /// Passkeys bound to `relying_party` instead of `localhost`.
    pub fn with_relying_party(mut self, relying_party: RelyingParty) -> Self {
        self.relying_party = relying_party;
        self
    }

    /// The app origins the pre-built UI, opened in a popup, may post its token to.
    pub fn with_app_origins(mut self, origins: Vec<String>) -> Self {
        self.app_origins = origins;
        self
    }

    /// The Server API base URL to configure a client with.
    pub fn api_url(&self) -> String {
        format!("{}/v1", self.public_url)
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `Basic base64(secret + ":")`, compared in constant time.
    fn authorize_server(&self, headers: &HeaderMap) -> Result<(), EmulatorError> {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Basic "))
            .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
            .and_then(|decoded| String::from_utf8(decoded).ok())
            .and_then(|text| text.split_once(':').map(|(user, _)| user.to_owned()))
            .ok_or_else(EmulatorError::unauthorized)?;
        let expected = self.secret_key.expose_secret().as_bytes();
        aws_lc_rs::constant_time::verify_slices_are_equal(presented.as_bytes(), expected)
            .map_err(|_| EmulatorError::unauthorized())
    }

    /// `Basic base64(tenant id)`: the browser SDK's calls made before it holds a token.
    fn authorize_tenant(&self, headers: &HeaderMap) -> Result<(), EmulatorError> {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Basic "))
            .and_then(|encoded| STANDARD.decode(encoded.trim()).ok());
        if presented.as_deref() == Some(TENANT_ID.as_bytes()) {
            Ok(())
        } else {
            Err(EmulatorError::unauthorized())
        }
    }
}

/// Where an emulator served on its own listens.
pub struct ServedEmulator {
    /// `http://127.0.0.1:<port>`: the outbox and Client API live under it.
    pub base_url: String,
    /// The Server API base URL to configure a client with.
    pub api_url: String,
}

/// Serves an emulator alone on a free loopback port, in the background: for tools and tests
/// that need Authsignal without the rest of the local stack.
pub async fn serve_on_loopback(secret_key: SecretString) -> std::io::Result<ServedEmulator> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let emulator = Arc::new(Emulator::new(secret_key, &base_url));
    let api_url = emulator.api_url();
    tokio::spawn(async move { axum::serve(listener, routes(emulator)).await });
    Ok(ServedEmulator { base_url, api_url })
}

/// A generated secret for `dev` when `AUTHSIGNAL_SECRET_KEY` is unset.
pub fn generate_secret_key() -> SecretString {
    SecretString::from(format!("local_sk_{}", uuid::Uuid::new_v4().simple()))
}

impl IntoResponse for EmulatorError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, axum::Json(self.body())).into_response()
    }
}

type Emu = State<Arc<Emulator>>;
type Reply = Result<Response, EmulatorError>;

fn ok(body: impl serde::Serialize) -> Reply {
    Ok(axum::Json(body).into_response())
}

/// Parses a JSON body; anything else is Authsignal's 400 `invalid_request`.
fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, EmulatorError> {
    let body: &[u8] = if body.is_empty() { b"{}" } else { body };
    serde_json::from_slice(body).map_err(|_| {
        EmulatorError::invalid_request("The request body is not valid JSON for this operation.")
    })
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
}

/// The emulator's routes, to merge into the `dev` router.
pub fn routes(emulator: Arc<Emulator>) -> Router {
    let server_api = Router::new()
        .route("/users/{user_id}", get(get_user))
        .route("/users/{user_id}/actions/{action}", post(track))
        .route(
            "/users/{user_id}/authenticators",
            get(get_authenticators).post(enroll_verified),
        )
        .route(
            "/users/{user_id}/authenticators/{authenticator_id}",
            delete(delete_authenticator),
        )
        .route("/validate", post(validate))
        .route(
            "/client/user-authenticators/email-otp",
            post(client_enroll_email),
        )
        .route("/client/challenge/email-otp", post(client_challenge_email))
        .route("/client/verify/email-otp", post(client_verify_email))
        .route("/client/user-authenticators/sms", post(client_enroll_sms))
        .route("/client/challenge/sms", post(client_challenge_sms))
        .route("/client/verify/sms", post(client_verify_sms))
        .route("/client/user-authenticators/totp", post(client_enroll_totp))
        .route("/client/verify/totp", post(client_verify_totp))
        .route(
            "/client/user-authenticators/passkey/registration-options",
            post(passkey_registration_options),
        )
        .route(
            "/client/user-authenticators/passkey",
            post(passkey_register),
        )
        .route(
            "/client/user-authenticators/passkey/authentication-options",
            post(passkey_authentication_options),
        )
        .route("/client/verify/passkey", post(passkey_verify))
        .route("/client/challenge", post(client_challenge))
        .fallback(|| async {
            EmulatorError::new(
                404,
                "not_found",
                "The emulator does not implement this endpoint.",
            )
        });
    Router::new()
        .nest("/local/authsignal/v1", server_api)
        .route("/local/authsignal/outbox", get(outbox))
        .route("/local/authsignal/clock", post(advance_clock))
        .route("/local/authsignal/ui", get(ui))
        .with_state(emulator)
}

async fn track(
    State(emu): Emu,
    headers: HeaderMap,
    Path((user_id, action)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    emu.authorize_server(&headers)?;
    let attributes: TrackAttributes = parse(&body)?;
    let response = emu
        .store()
        .track(&user_id, &action, &attributes, &emu.public_url)?;
    ok(response)
}

async fn validate(State(emu): Emu, headers: HeaderMap, body: Bytes) -> Reply {
    emu.authorize_server(&headers)?;
    let request: ValidateChallengeRequest = parse(&body)?;
    ok(emu.store().validate(&request))
}

async fn get_user(State(emu): Emu, headers: HeaderMap, Path(user_id): Path<String>) -> Reply {
    emu.authorize_server(&headers)?;
    ok(emu.store().get_user(&user_id))
}

async fn get_authenticators(
    State(emu): Emu,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> Reply {
    emu.authorize_server(&headers)?;
    ok(emu.store().authenticators(&user_id))
}

async fn enroll_verified(
    State(emu): Emu,
    headers: HeaderMap,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Reply {
    emu.authorize_server(&headers)?;
    let request: EnrollVerifiedAuthenticatorRequest = parse(&body)?;
    let authenticator = emu.store().enroll_verified(&user_id, &request)?;
    ok(json!({ "authenticator": authenticator }))
}

async fn delete_authenticator(
    State(emu): Emu,
    headers: HeaderMap,
    Path((user_id, authenticator_id)): Path<(String, String)>,
) -> Reply {
    emu.authorize_server(&headers)?;
    emu.store()
        .delete_authenticator(&user_id, &authenticator_id)?;
    ok(json!({}))
}

#[derive(Deserialize)]
struct EnrollEmail {
    email: String,
}

async fn client_enroll_email(State(emu): Emu, headers: HeaderMap, body: Bytes) -> Reply {
    let request: EnrollEmail = parse(&body)?;
    ok(emu
        .store()
        .client_enroll_otp(bearer(&headers), Channel::Email, &request.email)?)
}

async fn client_challenge_email(State(emu): Emu, headers: HeaderMap) -> Reply {
    ok(emu
        .store()
        .client_challenge_otp(bearer(&headers), Channel::Email)?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyCode {
    verification_code: String,
}

async fn client_verify_email(State(emu): Emu, headers: HeaderMap, body: Bytes) -> Reply {
    let request: VerifyCode = parse(&body)?;
    ok(emu.store().client_verify_otp(
        bearer(&headers),
        Channel::Email,
        &request.verification_code,
    )?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnrollSms {
    phone_number: String,
}

async fn client_enroll_sms(State(emu): Emu, headers: HeaderMap, body: Bytes) -> Reply {
    let request: EnrollSms = parse(&body)?;
    ok(emu
        .store()
        .client_enroll_otp(bearer(&headers), Channel::Sms, &request.phone_number)?)
}

async fn client_challenge_sms(State(emu): Emu, headers: HeaderMap) -> Reply {
    ok(emu
        .store()
        .client_challenge_otp(bearer(&headers), Channel::Sms)?)
}

async fn client_verify_sms(State(emu): Emu, headers: HeaderMap, body: Bytes) -> Reply {
    let request: VerifyCode = parse(&body)?;
    ok(emu
        .store()
        .client_verify_otp(bearer(&headers), Channel::Sms, &request.verification_code)?)
}

async fn client_enroll_totp(State(emu): Emu, headers: HeaderMap) -> Reply {
    ok(emu.store().client_enroll_totp(bearer(&headers))?)
}

async fn client_verify_totp(State(emu): Emu, headers: HeaderMap, body: Bytes) -> Reply {
    let request: VerifyCode = parse(&body)?;
    ok(emu
        .store()
        .client_verify_totp(bearer(&headers), &request.verification_code)?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegistrationOptions {
    username: Option<String>,
    authenticator_attachment: Option<String>,
}

async fn passkey_registration_options(State(emu): Emu, headers: HeaderMap, body: Bytes) -> Reply {
    let request: RegistrationOptions = parse(&body)?;
    ok(emu.store().passkey_registration_options(
        &emu.relying_party,
        bearer(&headers),
        request.username.as_deref(),
        request.authenticator_attachment.as_deref(),
    )?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddPasskey {
    registration_credential: webauthn_rs::prelude::RegisterPublicKeyCredential,
    challenge_id: Option<String>,
}

async fn passkey_register(State(emu): Emu, headers: HeaderMap, body: Bytes) -> Reply {
    let request: AddPasskey = parse(&body)?;
    ok(emu.store().passkey_register(
        &emu.relying_party,
        bearer(&headers),
        request.challenge_id.as_deref(),
        &request.registration_credential,
    )?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartSignIn {
    action: String,
}

async fn client_challenge(State(emu): Emu, headers: HeaderMap, body: Bytes) -> Reply {
    emu.authorize_tenant(&headers)?;
    let request: StartSignIn = parse(&body)?;
    ok(emu.store().start_passkey_sign_in(&request.action)?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthenticationOptions {
    challenge_id: Option<String>,
}

/// With a token: that token's user's passkeys. Without: a usernameless sign-in started by
/// `/client/challenge`.
async fn passkey_authentication_options(State(emu): Emu, headers: HeaderMap, body: Bytes) -> Reply {
    let Some(bearer) = bearer(&headers) else {
        emu.authorize_tenant(&headers)?;
        let request: AuthenticationOptions = parse(&body)?;
        return ok(emu.store().discoverable_authentication_options(
            &emu.relying_party,
            request.challenge_id.as_deref(),
        )?);
    };
    ok(emu
        .store()
        .passkey_authentication_options(&emu.relying_party, Some(bearer))?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyPasskey {
    authentication_credential: webauthn_rs::prelude::PublicKeyCredential,
    challenge_id: Option<String>,
}

async fn passkey_verify(State(emu): Emu, headers: HeaderMap, body: Bytes) -> Reply {
    let request: VerifyPasskey = parse(&body)?;
    if bearer(&headers).is_none() {
        emu.authorize_tenant(&headers)?;
        return ok(emu.store().discoverable_passkey_verify(
            &emu.relying_party,
            request.challenge_id.as_deref(),
            &request.authentication_credential,
        )?);
    }
    ok(emu.store().passkey_verify(
        &emu.relying_party,
        bearer(&headers),
        request.challenge_id.as_deref(),
        &request.authentication_credential,
    )?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutboxQuery {
    user_id: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
}

async fn outbox(State(emu): Emu, Query(query): Query<OutboxQuery>) -> Reply {
    let address = query.email.as_deref().or(query.phone_number.as_deref());
    let messages = emu.store().outbox(query.user_id.as_deref(), address);
    ok(json!({ "messages": messages }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdvanceClock {
    advance_seconds: u32,
}

async fn advance_clock(State(emu): Emu, body: Bytes) -> Reply {
    let request: AdvanceClock = parse(&body)?;
    let now = emu
        .store()
        .advance_clock(Duration::from_secs(request.advance_seconds.into()));
    ok(json!({ "now": humantime::format_rfc3339_seconds(now).to_string() }))
}

#[derive(Deserialize)]
struct UiQuery {
    token: Option<String>,
    mode: Option<String>,
    screen: Option<String>,
}

/// The stand-in for Authsignal's pre-built UI (see `ui`).
async fn ui(State(emu): Emu, Query(query): Query<UiQuery>) -> Response {
    let view = query
        .token
        .as_deref()
        .and_then(|token| emu.store().ui_view(token));
    let (Some(view), Some(token)) = (view, query.token.as_deref()) else {
        return (
            StatusCode::NOT_FOUND,
            Html("<p>Unknown or expired link.</p>".to_owned()),
        )
            .into_response();
    };
    let page = ui::Page {
        view: &view,
        token,
        popup: query.mode.as_deref() == Some("popup"),
        settings: query.screen.as_deref() == Some("settings"),
        app_origins: &emu.app_origins,
    };
    Html(page.render()).into_response()
}
