//! The local token endpoint's errors: RFC 9457 problem+json bodies in the same shape the API
//! answers with (`{ type, title, status, detail, code }`), so a client treats both alike.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalProblem {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
}

impl LocalProblem {
    pub fn invalid_request(detail: impl Into<String>) -> Self {
        LocalProblem {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_request",
            detail: detail.into(),
        }
    }

    pub fn not_found() -> Self {
        LocalProblem {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            detail: "No such route.".into(),
        }
    }
}

impl std::fmt::Display for LocalProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

impl IntoResponse for LocalProblem {
    fn into_response(self) -> Response {
        let body = json!({
            "type": format!("urn:cognito-authsignal:problem:{}", self.code),
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.code,
        });
        let mut response = (self.status, Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// A JSON body, or a 400 problem that names what is wrong without echoing the values.
pub struct LocalJson<T>(pub T);

impl<S, T> FromRequest<S> for LocalJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = LocalProblem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(value)| LocalJson(value))
            .map_err(|rejection| {
                LocalProblem::invalid_request(format!(
                    "The request body is not what this endpoint takes ({}).",
                    rejection.status()
                ))
            })
    }
}
