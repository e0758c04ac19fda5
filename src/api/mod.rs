//! The HTTP API: one axum router (and its OpenAPI document, from the same definitions) used by
//! the local server, the tests and the Lambda functions.

pub mod account;
pub mod admin;
pub mod audit;
pub mod authenticated;
pub mod docs;
pub mod ids;
pub mod json;
pub mod me;
pub mod passkey_providers;
pub mod problem;
pub mod redirect;
pub mod request_id;
pub mod step_up;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::CognitoVerifier;
use crate::authsignal::AuthsignalApi;
use crate::config::ApiConfig;
use crate::integrations::Integrations;
use problem::ApiError;
use redirect::RedirectAllowlist;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 32 * 1024;

/// What handlers share. Built once per process (before the Lambda loop).
#[derive(Clone)]
pub struct AppState {
    pub verifier: Arc<CognitoVerifier>,
    pub authsignal: Arc<dyn AuthsignalApi>,
    pub settings: Arc<ApiConfig>,
    pub redirect_allowlist: Arc<RedirectAllowlist>,
    /// Replay store, change events, session revocation.
    pub integrations: Integrations,
}

impl AppState {
    pub fn new(
        verifier: Arc<CognitoVerifier>,
        authsignal: Arc<dyn AuthsignalApi>,
        settings: ApiConfig,
    ) -> Self {
        AppState {
            verifier,
            authsignal,
            redirect_allowlist: Arc::new(RedirectAllowlist::new(
                settings.settings_redirect_allowlist.clone(),
            )),
            settings: Arc::new(settings),
            integrations: Integrations::default(),
        }
    }

    /// `user_id`'s authenticators as the API shows them.
    pub fn authenticator_list(
        &self,
        user_id: &str,
        records: Vec<crate::authsignal::UserAuthenticator>,
    ) -> views::AuthenticatorList {
        views::AuthenticatorList::new(user_id, records, self.settings.passkey_rp_id.as_deref())
    }

    /// The same state with these adapters behind the ports (the default keeps everything in
    /// process).
    pub fn with_integrations(mut self, integrations: Integrations) -> Self {
        self.integrations = integrations;
        self
    }
}

impl FromRef<AppState> for Arc<CognitoVerifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// Which part of the API a process serves: everything (`serve`, `dev`) or one Lambda's share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    All,
    Account,
    Admin,
}

/// The routes of `surface` with their OpenAPI operations.
pub fn api_routes(surface: Surface) -> OpenApiRouter<AppState> {
    let base = OpenApiRouter::with_openapi(docs::ApiDoc::openapi());
    match surface {
        Surface::All => base.merge(account::routes()).merge(admin::routes()),
        Surface::Account => base.merge(account::routes()),
        Surface::Admin => base.merge(admin::routes()),
    }
}

/// The OpenAPI document of the whole API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes(Surface::All).split_for_parts().1
}

/// The document as checked in at `openapi/openapi.json`: pretty JSON.
pub fn openapi_json() -> String {
    openapi().to_pretty_json().unwrap_or_default()
}

/// The routes of `surface`, without fallbacks, so the local stack can be merged in. `All`
/// adds `/health` and `/openapi.json`. Put together by `app::App::router` only.
pub(crate) fn routes(state: AppState, surface: Surface) -> Router {
    let (router, document) = api_routes(surface).split_for_parts();
    let router = router.with_state(state);
    if surface != Surface::All {
        return router;
    }
    // Serialised once: the document never changes while the process runs.
    let document = Bytes::from(document.to_pretty_json().unwrap_or_default());
    router.route("/health", get(health)).route(
        "/openapi.json",
        get(move || {
            let document = document.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], document) }
        }),
    )
}

/// Adds what every response shares: problem+json 404/405, a body limit, CORS (when origins
/// are configured), a request id (the caller's only in a safe form, else a fresh UUID), and
/// `Cache-Control: no-store`.
pub(crate) fn with_shared_layers(router: Router, settings: &ApiConfig) -> Router {
    let router = router
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    let router = match cors(settings) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::map_request(request_id::drop_unsafe))
        .layer(axum::middleware::map_response(no_store))
}

/// Only the configured origins; no credentials (bearer tokens need no cookies), no wildcard.
fn cors(settings: &ApiConfig) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = settings
        .cors_allowed_origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static(step_up::VALIDATION_TOKEN_HEADER),
            ])
            .expose_headers([HeaderName::from_static(request_id::HEADER)])
            .max_age(std::time::Duration::from_secs(600)),
    )
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
