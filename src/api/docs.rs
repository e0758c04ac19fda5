//! OpenAPI building blocks: the document's header, the bearer scheme, and the shared problem
//! responses every operation lists.

use std::collections::BTreeMap;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, response::Response};
use utoipa::{IntoResponses, Modify, OpenApi};

use super::problem::{PROBLEM_JSON, Problem, StepUpHint};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "cognito-authsignal",
        description = "Manage the Authsignal authenticators of users signed in to an Amazon Cognito user pool. \
                       Every /v1 route takes a Cognito access token as a bearer token. Errors are \
                       RFC 9457 problem details with a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    modifiers(&BearerScheme),
    components(schemas(Problem, StepUpHint)),
    tags(
        (name = "account", description = "The signed-in user's own authenticators"),
        (name = "admin", description = "Help-desk operations on any user (admin group only)"),
    )
)]
pub struct ApiDoc;

/// Registers `bearer`: a Cognito access token (JWT).
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A Cognito user pool access token (not an ID token)."))
                    .build(),
            ),
        );
    }
}

fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

fn problems(entries: &[(&str, &str)]) -> BTreeMap<String, RefOr<Response>> {
    entries
        .iter()
        .map(|(status, description)| (status.to_string(), problem(description)))
        .collect()
}

/// 401 and 503: every route behind a bearer token (the routes that take a step-up token can
/// also answer 503 when its earlier uses cannot be checked, and every route but the two that
/// read the caller's own account when sign-outs cannot be).
pub struct AuthProblems;

impl IntoResponses for AuthProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            (
                "401",
                "`invalid_token`: missing, malformed, expired or foreign access token; on every \
                 route but `GET /v1/me` and `GET /v1/me/authenticators`, also one issued before \
                 the user was last signed out everywhere by a help-desk reset",
            ),
            (
                "503",
                "`jwks_unavailable`: the pool's signing keys could not be fetched; \
                 `replay_store_unavailable` (routes taking `Authsignal-Validation-Token`): the \
                 token's earlier uses could not be checked, nothing was changed; \
                 `session_check_unavailable` (all but `GET /v1/me` and \
                 `GET /v1/me/authenticators`): the caller's last sign-out could not be read, or a \
                 reset's sign-out could not be recorded (the user is signed out of Cognito), no \
                 authenticator was changed",
            ),
        ])
    }
}

/// 502 and 504: every route that calls Authsignal.
pub struct UpstreamProblems;

impl IntoResponses for UpstreamProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            (
                "502",
                "`upstream_misconfigured` or `upstream_unavailable`: Authsignal refused or failed",
            ),
            (
                "504",
                "`upstream_timeout`: Authsignal did not answer in time",
            ),
        ])
    }
}

/// 400, 413 and 415: every route with a JSON body.
pub struct BodyProblems;

impl IntoResponses for BodyProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            (
                "400",
                "`invalid_request`: the body is not valid JSON of the documented shape",
            ),
            (
                "408",
                "`request_timeout` (`serve` only): the body did not arrive within `SERVER_HEADER_READ_TIMEOUT_SECONDS` of the head",
            ),
            ("413", "`payload_too_large`: the body exceeds 32 KiB"),
            (
                "415",
                "`unsupported_media_type`: the body is not `application/json`",
            ),
        ])
    }
}
