//! A local Amazon Cognito user pool, mounted by `cognito-authsignal dev` and the tests: the token
//! issuer (JWKS and minted tokens) and the user-pool API an app signs in with, spoken as Cognito
//! speaks it (AWS JSON 1.1 at `POST /local/cognito/`), so boto3, the AWS SDKs and Amplify work
//! against it unchanged. No other emulator runs custom-auth triggers; this one runs whatever its
//! [`TriggerInvoker`] runs (in `dev`, the same code the Lambda functions run).
//!
//! Protocol and model are apart, as in moto: `operations` decodes each request into a typed
//! value and encodes each answer; `sign_up`, `sign_in` and `pool` work on those types only;
//! `protocol` holds Cognito's error shapes and the `X-Amz-Target` dispatch.
//!
//! Operations: `SignUp` (Pre sign-up trigger), `InitiateAuth` (`CUSTOM_AUTH`, with or without SRP;
//! `REFRESH_TOKEN_AUTH`), `RespondToAuthChallenge` (`CUSTOM_CHALLENGE`, `PASSWORD_VERIFIER`),
//! `GetTokensFromRefreshToken`, `RevokeToken`, `AdminUserGlobalSignOut` (what session revocation
//! calls), `AdminUpdateUserAttributes` (what Verify calls to mark a proved contact verified),
//! `AdminGetUser` and `AdminAddUserToGroup` (groups land in `cognito:groups`). Like a new Cognito
//! pool it runs with `PreventUserExistenceErrors` on (an unknown user goes through Define with `userNotFound` and
//! gets the same answer as a wrong one); off, it answers `UserNotFoundException` as a `LEGACY`
//! pool does.

mod directory;
pub mod issuer;
mod operations;
mod pool;
mod protocol;
mod sessions;
mod sign_in;
mod sign_up;
mod srp;
mod triggers;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

use self::issuer::LocalIssuer;
use self::pool::Pool;
use self::protocol::CognitoError;
use self::sessions::Sessions;
use self::triggers::LocalTriggers;

pub use self::protocol::CONTENT_TYPE;
pub use self::triggers::{InvocationError, Trigger, TriggerInvoker};

/// Cognito's challenge names, as the pool and its Define trigger speak them.
pub const CUSTOM_CHALLENGE: &str = "CUSTOM_CHALLENGE";
pub const SRP_A: &str = "SRP_A";
pub const PASSWORD_VERIFIER: &str = "PASSWORD_VERIFIER";

/// Which pool this is, and the app clients that may use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// The part of the pool id before `_`.
    pub region: String,
    pub user_pool_id: String,
    pub client_ids: Vec<String>,
}

impl PoolConfig {
    /// A pool id is `<region>_<name>`, e.g. `eu-west-1_LocalDev`.
    pub fn new(user_pool_id: &str, client_ids: Vec<String>) -> Self {
        PoolConfig {
            region: user_pool_id
                .split_once('_')
                .map_or("us-east-1", |(region, _)| region)
                .to_owned(),
            user_pool_id: user_pool_id.to_owned(),
            client_ids,
        }
    }
}

/// The local user pool behind `/local/cognito/`.
pub struct LocalCognito {
    region: String,
    user_pool_id: String,
    /// The part of the pool id after `_`: SRP hashes it.
    pool_name: String,
    client_ids: Vec<String>,
    issuer: Arc<LocalIssuer>,
    triggers: LocalTriggers,
    prevent_user_existence_errors: bool,
    state: Mutex<PoolState>,
}

#[derive(Default)]
struct PoolState {
    pool: Pool,
    sessions: Sessions,
}

impl LocalCognito {
    /// A pool with no users, whose triggers `invoker` runs.
    pub fn new(
        cognito: &PoolConfig,
        issuer: Arc<LocalIssuer>,
        invoker: Arc<dyn TriggerInvoker>,
    ) -> Self {
        let pool_name = cognito
            .user_pool_id
            .split_once('_')
            .map_or(cognito.user_pool_id.as_str(), |(_, name)| name)
            .to_owned();
        LocalCognito {
            region: cognito.region.clone(),
            user_pool_id: cognito.user_pool_id.clone(),
            pool_name,
            client_ids: cognito.client_ids.clone(),
            issuer,
            triggers: LocalTriggers { invoker },
            prevent_user_existence_errors: true,
            state: Mutex::new(PoolState::default()),
        }
    }

    /// `PreventUserExistenceErrors`: `true` (the default, `ENABLED`) or `false` (`LEGACY`).
    pub fn with_prevent_user_existence_errors(mut self, enabled: bool) -> Self {
        self.prevent_user_existence_errors = enabled;
        self
    }

    /// Creates `group` in the pool, for `AdminAddUserToGroup`.
    pub fn with_group(self, group: &str) -> Self {
        self.state().pool.create_group(group);
        self
    }

    pub fn prevents_user_existence_errors(&self) -> bool {
        self.prevent_user_existence_errors
    }

    /// Where the SDKs are pointed: boto3's `endpoint_url`, Amplify's `userPoolEndpoint`.
    pub fn endpoint_url(base_url: &str) -> String {
        format!("{base_url}/local/cognito/")
    }

    fn state(&self) -> MutexGuard<'_, PoolState> {
        // The state stays consistent at every await-free step, so a poisoned lock is usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn check_client(&self, client_id: &str) -> Result<(), CognitoError> {
        if self.client_ids.iter().any(|known| known == client_id) {
            Ok(())
        } else {
            Err(CognitoError::resource_not_found(format!(
                "User pool client {client_id} does not exist."
            )))
        }
    }

    /// Decodes the request, runs the operation, encodes the answer.
    async fn dispatch(&self, operation: &str, body: &Value) -> Result<Value, CognitoError> {
        use operations::*;
        Ok(match operation {
            "SignUp" => self.sign_up(SignUp::decode(body)?).await?.encode(),
            "InitiateAuth" => self
                .initiate_auth(InitiateAuth::decode(body)?)
                .await?
                .encode(),
            "RespondToAuthChallenge" => self
                .respond_to_auth_challenge(RespondToAuthChallenge::decode(body)?)
                .await?
                .encode(),
            "GetTokensFromRefreshToken" => encode_refreshed(
                &self.get_tokens_from_refresh_token(&ClientToken::decode(body, "RefreshToken")?)?,
            ),
            "RevokeToken" => {
                self.revoke_token(&ClientToken::decode(body, "Token")?)?;
                empty()
            }
            "AdminUserGlobalSignOut" => {
                self.admin_user_global_sign_out(&AdminUser::decode(body)?)?;
                empty()
            }
            "AdminAddUserToGroup" => {
                self.admin_add_user_to_group(&AdminAddUserToGroup::decode(body)?)?;
                empty()
            }
            "AdminUpdateUserAttributes" => {
                self.admin_update_user_attributes(AdminUpdateUserAttributes::decode(body)?)?;
                empty()
            }
            "AdminGetUser" => self.admin_get_user(&AdminUser::decode(body)?)?.encode(),
            "ListUsers" => self.list_users(&directory::ListUsers::decode(body)?)?,
            other => return Err(CognitoError::unknown_operation(other)),
        })
    }
}

/// The user-pool API's routes, to be merged into the dev server's router.
pub fn routes(cognito: Arc<LocalCognito>) -> Router {
    Router::new()
        .route("/local/cognito", post(handle))
        .route("/local/cognito/", post(handle))
        .with_state(cognito)
}

async fn handle(
    State(cognito): State<Arc<LocalCognito>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = async {
        let operation = protocol::operation(&headers)?;
        let body: Value = serde_json::from_slice(&body)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| CognitoError::serialization("The request body is not a JSON object."))?;
        let answer = cognito.dispatch(operation, &body).await;
        if let Err(error) = &answer {
            tracing::info!(operation, kind = error.kind, "local Cognito refused");
        }
        answer
    };
    match answer.await {
        Ok(body) => protocol::ok(body),
        Err(error) => error.into_response(),
    }
}
