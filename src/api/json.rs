//! `ApiJson<T>`: axum's `Json` extractor with problem+json rejections that never echo the
//! submitted values (they may be email addresses or phone numbers).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;

use super::problem::ApiError;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge)
            }
            Err(rejection) => Err(ApiError::InvalidRequest(describe(&rejection))),
        }
    }
}

fn describe(rejection: &JsonRejection) -> String {
    match rejection {
        JsonRejection::JsonSyntaxError(_) => "The request body is not valid JSON.".into(),
        JsonRejection::JsonDataError(error) => {
            format!(
                "The request body does not have the expected shape: {}",
                field_of(error)
            )
        }
        _ => "The request body could not be read.".into(),
    }
}

/// The failing field's path and serde's category of error, without the offending value.
fn field_of(error: &dyn std::error::Error) -> String {
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if let Some((path, message)) = text.split_once(": ") {
            let kind = message
                .split([' ', ':'])
                .take(2)
                .collect::<Vec<_>>()
                .join(" ");
            let field = message.split('`').nth(1).filter(|_| {
                message.starts_with("missing field") || message.starts_with("unknown field")
            });
            return match field {
                Some(field) => format!("{kind} `{field}`"),
                None if path != "." => format!("`{path}` has an {kind}"),
                None => kind,
            };
        }
        source = cause.source();
    }
    "unexpected fields or types".into()
}
