//! Request bodies: a JSON object, never anything else.

use axum::{
    extract::{FromRequest, Request},
    http::StatusCode,
    Json,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::RestError;

/// A JSON object body, parsed into `T`. Like axum's `Json`, with its statuses (400 malformed,
/// 413 too large, 415 not JSON, 422 wrong fields), and one more rule: the body must be an
/// object. serde reads a struct from an array too, field by field in order, so `[null, null]`
/// would be an edit that changes nothing and answers 200.
pub struct JsonObject<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonObject<T> {
    type Rejection = RestError;

    async fn from_request(request: Request, state: &S) -> Result<Self, RestError> {
        let Json(object) = Json::<Map<String, Value>>::from_request(request, state).await?;
        serde_json::from_value(Value::Object(object))
            .map(JsonObject)
            .map_err(|err| RestError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("Invalid request body: {err}")))
    }
}
