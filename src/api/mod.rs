//! The HTTP API: one axum router used by the local server, the tests and the Lambdas.

pub mod json;
pub mod me;
pub mod problem;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;

use crate::auth::CognitoVerifier;
use crate::authsignal::AuthsignalApi;
use problem::ApiError;

/// What handlers share. Built once per process.
#[derive(Clone)]
pub struct AppState {
    pub verifier: Arc<CognitoVerifier>,
    pub authsignal: Arc<dyn AuthsignalApi>,
}

impl FromRef<AppState> for Arc<CognitoVerifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// The whole API, ready to serve.
pub fn router(state: AppState) -> Router {
    finish(routes(state))
}

/// The API's routes, without fallbacks, so other routers (the local stack) can be merged in.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/me", get(me::get_me))
        .with_state(state)
}

/// Adds what every response shares: problem+json 404/405 and `Cache-Control: no-store`.
pub fn finish(router: Router) -> Router {
    router
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::map_response(no_store))
}

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// Responses carry account data or tokens: no cache may keep them.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
