//! AWS Lambda entry points for the HTTP API (API Gateway HTTP API, payload v2) and the change
//! notifier. Each HTTP function in `functions/` calls [`run_http`] with its share of the routes;
//! `functions/change-notifier` calls [`run_change_notifier`]. Config (with the Authsignal
//! secret from Secrets Manager), the JWKS cache and the Authsignal client are built once, before
//! the invocation loop, and live while warm.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use lambda_http::request::RequestContext;
use lambda_runtime::{LambdaEvent, Service, service_fn};
use serde_json::Value;

use crate::api::{Surface, request_id};
use crate::app::App;
use crate::config::{Config, NoticeConfig};
use crate::notifier::{Notifier, NotifyError};
use crate::secrets;
use crate::telemetry::{self, LogFormat};

pub use lambda_http::Error;

/// Runs a function (its set-up, then its invocation loop) on a runtime of one thread. Lambda
/// hands an instance one event at a time, so a thread pool buys nothing; with one, every HTTP
/// exchange of an invocation (the Runtime API's `next` and `response`, the call upstream) woke
/// another thread, and on the share of a vCPU a small function gets that cost more CPU than the
/// work itself (README, "Performance in Lambda's shape").
pub fn run_function(function: impl Future<Output = Result<(), Error>>) -> Result<(), Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(function)
}

/// Runs the `surface` routes as a Lambda function until the runtime stops it.
pub async fn run_http(surface: Surface) -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let environment = secrets::environment()
        .await
        .inspect_err(|error| tracing::error!(%error, "the Authsignal secret is unavailable"))?;
    let config = Config::from_lookup(environment)
        .inspect_err(|error| tracing::error!(%error, "bad configuration"))?;
    if config.integrations.replay_table.is_none() {
        tracing::warn!(
            "REPLAY_TABLE_NAME is unset: step-up tokens and a reset's sign-out are remembered \
             per warm instance only, so a step-up token could be replayed against another \
             instance, and the account function never hears of the admin function's resets"
        );
    }
    let app = App::build(&config).await;
    if let Err(error) = app.state().verifier.jwks().prefetch().await {
        tracing::warn!(%error, "JWKS prefetch failed; the first request will retry");
    }
    let router = router(&app, surface);
    crate::app::return_freed_memory();
    lambda_http::run(router).await
}

/// `functions/change-notifier`: one change event from EventBridge per invocation.
pub async fn run_change_notifier() -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let config = NoticeConfig::from_env()
        .inspect_err(|error| tracing::error!(%error, "bad configuration"))?;
    let notifier = crate::app::change_notifier(&config).await;
    lambda_runtime::run(change_notifier_service(notifier)).await
}

/// The notifier as a Lambda service: an error (the pool or SES unreachable) fails the
/// invocation, so Lambda retries the event.
pub fn change_notifier_service(
    notifier: Notifier,
) -> impl Service<LambdaEvent<EventBridgeEvent<Value>>, Response = (), Error = NotifyError> {
    service_fn(move |event: LambdaEvent<EventBridgeEvent<Value>>| {
        let notifier = notifier.clone();
        async move { notifier.notify(&event.payload).await.map(|_| ()) }
    })
}

/// The router a function serves: `surface`'s routes, with API Gateway's request id used as
/// the request id (so logs, audit events and API Gateway access logs line up).
pub fn router(app: &App, surface: Surface) -> Router {
    app.router(surface)
        .layer(axum::middleware::map_request(api_gateway_request_id))
}

/// Replaces whatever `x-request-id` the client sent with API Gateway's request id. An id not in
/// the safe form (never seen from API Gateway) is left out too, and the router generates one.
async fn api_gateway_request_id(mut request: Request) -> Request {
    let id = match request.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone(),
        _ => None,
    };
    let value = id
        .filter(|id| request_id::is_safe(id))
        .and_then(|id| HeaderValue::from_str(&id).ok());
    let headers = request.headers_mut();
    headers.remove(request_id::HEADER);
    if let Some(value) = value {
        headers.insert(request_id::HEADER, value);
    }
    request
}
