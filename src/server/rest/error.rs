//! One error type for the REST API: every failure is JSON `{"error": …}` with its status.

use axum::{
    extract::rejection::JsonRejection,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};

use super::schema::ErrorBody;
use crate::domain::InvalidInput;
use crate::server::error::ServiceError;

#[derive(Debug)]
pub struct RestError {
    status: StatusCode,
    body: ErrorBody,
}

impl RestError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, body: ErrorBody { error: message.into(), field: None } }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
}

/// The services' errors keep their meaning and message; the same text the console shows.
impl From<ServiceError> for RestError {
    fn from(err: ServiceError) -> Self {
        let status = match &err {
            ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
            ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServiceError::BadCredentials => StatusCode::UNAUTHORIZED,
            ServiceError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ServiceError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ServiceError::Unexpected(cause) => {
                ServiceError::log_unexpected(cause);
                return Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. Please try again.",
                );
            }
        };
        let field = match &err {
            ServiceError::Invalid(invalid) => {
                serde_json::to_value(invalid.field).ok().and_then(|v| v.as_str().map(str::to_owned))
            }
            _ => None,
        };
        Self { status, body: ErrorBody { error: err.to_string(), field } }
    }
}

impl From<InvalidInput> for RestError {
    fn from(invalid: InvalidInput) -> Self {
        ServiceError::Invalid(invalid).into()
    }
}

/// Malformed JSON, wrong types, unknown fields, a wrong content type or a body over the limit.
impl From<JsonRejection> for RestError {
    fn from(rejection: JsonRejection) -> Self {
        let status = match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            StatusCode::UNPROCESSABLE_ENTITY => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::BAD_REQUEST,
        };
        Self::new(status, rejection.body_text())
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            // The entrance gives every 5xx an x-trace-id (older bentoml CLIs crash without
            // one): the request's id, which this line and the cause's carry too.
            tracing::error!(status = %self.status, "REST request failed");
        }
        (self.status, Json(self.body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_are_json_and_invent_no_trace_id() {
        let response = RestError::from(ServiceError::Unexpected(anyhow::anyhow!("disk on fire"))).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!response.headers().contains_key("x-trace-id"), "the entrance sets it, to the request's id");
    }

    #[test]
    fn invalid_input_names_its_field() {
        let err = RestError::from(crate::domain::InvalidInput::new(crate::domain::Field::TokenTypes, "pick one"));
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.body.field.as_deref(), Some("token_types"));
        assert_eq!(err.body.error, "pick one");
    }
}
