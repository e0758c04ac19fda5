//! `dev` serves the example web app (`examples/web`, built by `make web`) at `/`, and the
//! configuration it needs to reach the local stack at `/local/config.json`.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use tower_http::services::{ServeDir, ServeFile};

/// Where the built app is looked for when `WEB_APP_DIR` is unset.
pub const DEFAULT_WEB_APP_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/web/dist");

/// What the app reads at start: the local pool, the emulator and the API's settings.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppConfig {
    pub user_pool_id: String,
    pub user_pool_client_id: String,
    pub authsignal_tenant_id: String,
    pub admin_group: String,
    pub challenge_ui: String,
    pub sign_in_mode: String,
    /// The Authsignal action of Cognito sign-ins, for a passkey sign-in without a username.
    pub sign_in_action: String,
}

/// The app's config with URLs on the host the browser used (`localhost` and `127.0.0.1`
/// are different origins to a browser, and passkeys are bound to the first).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppConfigDocument<'a> {
    #[serde(flatten)]
    config: &'a AppConfig,
    user_pool_endpoint: String,
    authsignal_api_url: String,
    api_url: String,
}

/// `/` and `/assets/*` from `dir` (a page saying how to build the app when it is missing),
/// and `/local/config.json`.
pub fn routes(dir: &Path, config: AppConfig, fallback_host: String) -> Router {
    let config_route = Router::new()
        .route("/local/config.json", get(app_config))
        .with_state(Arc::new((config, fallback_host)));
    let index = dir.join("index.html");
    if !index.is_file() {
        let hint = not_built_page(dir);
        return config_route.route(
            "/",
            get(move || async move { (StatusCode::NOT_FOUND, Html(hint)) }),
        );
    }
    config_route
        .route_service("/", ServeFile::new(index))
        .nest_service("/assets", ServeDir::new(dir.join("assets")))
}

async fn app_config(State(state): State<Arc<(AppConfig, String)>>, headers: HeaderMap) -> Response {
    let (config, fallback_host) = &*state;
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| is_loopback_host(host))
        .unwrap_or(fallback_host);
    let base = format!("http://{host}");
    axum::Json(AppConfigDocument {
        config,
        user_pool_endpoint: format!("{base}/local/cognito/"),
        authsignal_api_url: format!("{base}/local/authsignal/v1"),
        api_url: base,
    })
    .into_response()
}

/// `localhost:<port>` or `127.0.0.1:<port>`: `dev` listens on loopback only, so any other
/// `Host` is not one a browser reached it by.
fn is_loopback_host(host: &str) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    matches!(name, "localhost" | "127.0.0.1")
}

fn not_built_page(dir: &Path) -> String {
    format!(
        "<!doctype html><meta charset=utf-8><title>cognito-authsignal dev</title>\
         <h1>The example web app is not built</h1>\
         <p>Run <code>make web</code> (or <code>make dev</code>, which builds it first), \
         then reload. Looked in <code>{}</code> (<code>WEB_APP_DIR</code>).</p>",
        dir.display().to_string().replace('<', "&lt;")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_shape_the_urls() {
        assert!(is_loopback_host("localhost:3000"));
        assert!(is_loopback_host("127.0.0.1:3000"));
        assert!(is_loopback_host("localhost"));
        assert!(!is_loopback_host("evil.example:3000"));
        assert!(!is_loopback_host("localhost.evil.example"));
    }
}
