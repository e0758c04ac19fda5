//! A local stand-in for a Cognito user pool's token endpoint: an RSA key generated at start,
//! its JWKS, and a way to mint access tokens for any test user.
//!
//! Routes (under `/local/cognito`):
//! - `GET /local/cognito/{poolId}/.well-known/jwks.json`: the public key, as Cognito serves it;
//! - `POST /local/cognito/token`: `{ sub?, username?, groups?, scopes?, authTime?, expiresIn?,
//!   clientId?, tokenUse? }` → `{ accessToken, expiresIn, tokenType }`.
//!
//! Tokens carry the claims real Cognito access tokens carry, in Cognito's order: `sub`,
//! `cognito:groups` (only when non-empty), `iss`, `version`, `client_id`, `origin_jti`,
//! `event_id`, `token_use`, `scope`, `auth_time`, `exp`, `iat`, `jti`, `username`. The issuer
//! is the real `https://cognito-idp.{region}.amazonaws.com/{poolId}` form, so the verifier runs
//! exactly as in production, with only the JWKS URL pointing here. `tokenUse: "id"` mints an
//! ID-token-shaped token (with `aud`) so clients can see it refused.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::PoolConfig;
use crate::keys::SigningKey;
use crate::problem::{LocalJson, LocalProblem};

/// Longest lifetime a local token may be given (Cognito allows up to one day).
const MAX_EXPIRES_IN: i64 = 86_400;

pub struct LocalIssuer {
    key: SigningKey,
    user_pool_id: String,
    issuer: String,
    default_client_id: String,
}

/// What to put in a minted token. Absent fields get Cognito-like defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenRequest {
    /// Defaults to a fresh UUID.
    pub sub: Option<String>,
    /// Defaults to the `sub`.
    pub username: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    /// Defaults to `["aws.cognito.signin.user.admin"]`.
    pub scopes: Option<Vec<String>>,
    /// Seconds since the epoch; defaults to now.
    pub auth_time: Option<i64>,
    /// Seconds until expiry, default 3600; negative values mint an already expired token.
    pub expires_in: Option<i64>,
    /// Defaults to the first configured client id.
    pub client_id: Option<String>,
    /// `access` (default) or `id`.
    pub token_use: Option<String>,
    /// The sign-in this token continues (refreshes keep it); not settable over HTTP.
    #[serde(skip)]
    pub origin_jti: Option<String>,
}

/// Who completed a sign-in at the local user pool, for its access and ID tokens.
pub struct SignedIn<'a> {
    pub sub: &'a str,
    pub username: &'a str,
    pub client_id: &'a str,
    pub auth_time: i64,
    pub origin_jti: &'a str,
    /// Standard and custom attributes; `*_verified` values are `"true"` / `"false"`.
    pub attributes: &'a BTreeMap<String, String>,
    /// `cognito:groups`, in both tokens, when not empty.
    pub groups: &'a [String],
}

/// What `InitiateAuth` / `RespondToAuthChallenge` return when the sign-in completes.
pub struct SignInTokens {
    pub access_token: String,
    pub id_token: String,
    pub expires_in: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    pub access_token: String,
    pub expires_in: i64,
    pub token_type: String,
}

impl LocalIssuer {
    /// An issuer for the pool in `cognito`, with a newly generated key.
    pub fn new(cognito: &PoolConfig) -> Self {
        LocalIssuer {
            key: SigningKey::generate(uuid::Uuid::new_v4().to_string()),
            user_pool_id: cognito.user_pool_id.clone(),
            issuer: format!(
                "https://cognito-idp.{}.amazonaws.com/{}",
                cognito.region, cognito.user_pool_id
            ),
            default_client_id: cognito.client_ids.first().cloned().unwrap_or_default(),
        }
    }

    /// Where this issuer's JWKS is served, given the server's base URL.
    pub fn jwks_url(base_url: &str, user_pool_id: &str) -> String {
        format!("{base_url}/local/cognito/{user_pool_id}/.well-known/jwks.json")
    }

    pub fn jwks(&self) -> Value {
        self.key.jwks()
    }

    /// Mints a token as Cognito would shape it.
    pub fn mint(&self, request: &TokenRequest) -> Result<TokenResponse, LocalProblem> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let expires_in = request.expires_in.unwrap_or(3600);
        if !(-MAX_EXPIRES_IN..=MAX_EXPIRES_IN).contains(&expires_in) {
            return Err(LocalProblem::invalid_request(format!(
                "`expiresIn` must be between -{MAX_EXPIRES_IN} and {MAX_EXPIRES_IN} seconds"
            )));
        }
        let token_use = request.token_use.as_deref().unwrap_or("access");
        if token_use != "access" && token_use != "id" {
            return Err(LocalProblem::invalid_request(
                "`tokenUse` must be `access` or `id`",
            ));
        }
        let sub = request
            .sub
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let username = request.username.clone().unwrap_or_else(|| sub.clone());
        let client_id = request
            .client_id
            .clone()
            .unwrap_or_else(|| self.default_client_id.clone());
        let scopes = request
            .scopes
            .clone()
            .unwrap_or_else(|| vec!["aws.cognito.signin.user.admin".into()]);
        let auth_time = request.auth_time.unwrap_or(now);
        let origin_jti = request
            .origin_jti
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());

        let mut claims = Map::new();
        claims.insert("sub".into(), json!(sub));
        if !request.groups.is_empty() {
            claims.insert("cognito:groups".into(), json!(request.groups));
        }
        claims.insert("iss".into(), json!(self.issuer));
        if token_use == "access" {
            claims.insert("version".into(), json!(2));
            claims.insert("client_id".into(), json!(client_id));
        } else {
            claims.insert("cognito:username".into(), json!(username));
            claims.insert("aud".into(), json!(client_id));
        }
        claims.insert("origin_jti".into(), json!(origin_jti));
        claims.insert("event_id".into(), json!(uuid::Uuid::new_v4().to_string()));
        claims.insert("token_use".into(), json!(token_use));
        if token_use == "access" {
            claims.insert("scope".into(), json!(scopes.join(" ")));
        }
        claims.insert("auth_time".into(), json!(auth_time));
        claims.insert("exp".into(), json!(now + expires_in));
        claims.insert("iat".into(), json!(now));
        claims.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
        if token_use == "access" {
            claims.insert("username".into(), json!(username));
        }
        Ok(TokenResponse {
            access_token: self.key.sign_jwt(&Value::Object(claims)),
            expires_in,
            token_type: "Bearer".into(),
        })
    }
}

impl LocalIssuer {
    /// The access and ID tokens of a sign-in, one hour each, as Cognito issues them.
    pub fn sign_in_tokens(&self, who: &SignedIn) -> SignInTokens {
        let access = self
            .mint(&TokenRequest {
                sub: Some(who.sub.to_owned()),
                username: Some(who.username.to_owned()),
                auth_time: Some(who.auth_time),
                client_id: Some(who.client_id.to_owned()),
                origin_jti: Some(who.origin_jti.to_owned()),
                groups: who.groups.to_vec(),
                ..TokenRequest::default()
            })
            .unwrap_or_else(|_| unreachable!("the defaults are valid"));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(who.sub));
        if !who.groups.is_empty() {
            claims.insert("cognito:groups".into(), json!(who.groups));
        }
        let verified = |name: &str| who.attributes.get(name).map(|v| json!(v == "true"));
        if let Some(email_verified) = verified("email_verified") {
            claims.insert("email_verified".into(), email_verified);
        }
        claims.insert("iss".into(), json!(self.issuer));
        claims.insert("cognito:username".into(), json!(who.username));
        claims.insert("origin_jti".into(), json!(who.origin_jti));
        claims.insert("aud".into(), json!(who.client_id));
        claims.insert("event_id".into(), json!(uuid::Uuid::new_v4().to_string()));
        claims.insert("token_use".into(), json!("id"));
        claims.insert("auth_time".into(), json!(who.auth_time));
        claims.insert("exp".into(), json!(now + access.expires_in));
        claims.insert("iat".into(), json!(now));
        claims.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
        for (name, value) in who.attributes {
            let value = match name.as_str() {
                "email_verified" => continue,
                "phone_number_verified" => json!(value == "true"),
                _ => json!(value),
            };
            claims.insert(name.clone(), value);
        }
        SignInTokens {
            id_token: self.key.sign_jwt(&Value::Object(claims)),
            access_token: access.access_token,
            expires_in: access.expires_in,
        }
    }
}

/// The issuer's routes, to be merged into the dev server's router.
pub fn routes(issuer: Arc<LocalIssuer>) -> Router {
    Router::new()
        .route("/local/cognito/{pool_id}/.well-known/jwks.json", get(jwks))
        .route("/local/cognito/token", post(token))
        .with_state(issuer)
}

async fn jwks(
    State(issuer): State<Arc<LocalIssuer>>,
    Path(pool_id): Path<String>,
) -> Result<Json<Value>, LocalProblem> {
    if pool_id != issuer.user_pool_id {
        return Err(LocalProblem::not_found());
    }
    Ok(Json(issuer.jwks()))
}

async fn token(
    State(issuer): State<Arc<LocalIssuer>>,
    LocalJson(request): LocalJson<TokenRequest>,
) -> Result<Json<TokenResponse>, LocalProblem> {
    issuer.mint(&request).map(Json)
}
