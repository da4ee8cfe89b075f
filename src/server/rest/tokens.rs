//! `/api/v1/api_tokens`: the same rules and messages as the console's API Tokens page. The
//! secret is in the create response only.

use axum::{
    extract::{Path, Query, State},
    Json,
};

use super::{schema, Developer, JsonObject, Paging, RestError};
use crate::domain::{Description, Expiration, Field, Grants, InvalidInput, TokenId, TokenName, TokenTypes};
use crate::server::{
    db, deployments,
    error::ServiceError,
    tokens::{self, Token},
    AppState,
};

/// BentoCloud's API scopes: what a Developer token carries.
const DEVELOPER_SCOPES: [&str; 5] = ["api", "read_organization", "write_organization", "read_cluster", "write_cluster"];
const USER_SCOPE: &str = "deployment_endpoint_access";

fn to_schema(token: Token, developer: &Developer, secret: Option<String>, now: i64) -> schema::ApiToken {
    let mut scopes: Vec<String> =
        if token.is_developer { DEVELOPER_SCOPES.iter().map(|s| s.to_string()).collect() } else { Vec::new() };
    if token.is_user {
        scopes.push(USER_SCOPE.into());
    }
    schema::ApiToken {
        is_expired: token.is_expired(now),
        resource: schema::Resource::new("api_token", format!("tok-{}", token.id), token.name, token.created_at, None),
        description: token.description,
        scopes,
        user: schema::User {
            name: token.created_by.unwrap_or_default(),
            email: token.created_by_email.unwrap_or_default(),
            first_name: String::new(),
            last_name: String::new(),
        },
        organization: developer.organization.clone(),
        is_organization_token: token.is_organization,
        expired_at: token.expires_at.map(schema::rfc3339),
        last_used_at: token.last_used_at.map(schema::rfc3339),
        deployments: token.deployments.into_iter().map(|d| d.name).collect(),
        all_deployments: token.all_deployments,
        last_used_from: token.last_used_from,
        token: secret,
    }
}

fn token_id(uid: &str) -> Result<TokenId, RestError> {
    uid.strip_prefix("tok-")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| RestError::from(ServiceError::NotFound(tokens::NOT_FOUND)))
}

/// API tokens, newest first, `start`/`count` paging, filtered by `search`. Never a secret.
#[utoipa::path(get, path = "/api/v1/api_tokens", tag = "api_tokens", operation_id = "list_api_tokens", params(Paging),
    responses((status = 200, body = schema::List<schema::ApiToken>), (status = 400, body = schema::ErrorBody), (status = 401, body = schema::ErrorBody)))]
pub async fn list(
    developer: Developer,
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
) -> Result<Json<schema::List<schema::ApiToken>>, RestError> {
    let (start, count) = (paging.start()?, paging.count()?);
    let now = db::now();
    let selection = tokens::Selection {
        search: paging.search(),
        status: tokens::Status::Any,
        ownership: tokens::Ownership::Any,
        order: tokens::Order::Newest,
        now,
    };
    let listed = tokens::list(&state.pool, &developer.actor, selection, start, count).await?;
    let items: Vec<schema::ApiToken> = listed.tokens.into_iter().map(|t| to_schema(t, &developer, None, now)).collect();
    Ok(Json(schema::List { start, count: items.len() as i64, total: listed.total, items }))
}

/// One API token by uid. Never its secret.
#[utoipa::path(get, path = "/api/v1/api_tokens/{uid}", tag = "api_tokens", operation_id = "get_api_token", params(("uid" = String, Path)),
    responses((status = 200, body = schema::ApiToken), (status = 401, body = schema::ErrorBody), (status = 404, body = schema::ErrorBody)))]
pub async fn get_one(
    developer: Developer,
    State(state): State<AppState>,
    Path(uid): Path<String>,
) -> Result<Json<schema::ApiToken>, RestError> {
    let token = tokens::find(&state.pool, &developer.actor, token_id(&uid)?).await?;
    Ok(Json(to_schema(token, &developer, None, db::now())))
}

/// Creates an API token. BentoCloud's API scopes make it a Developer token; `deployments`
/// (names) make it a User token for them; at least one of the two is required, and an unknown
/// scope is refused rather than ignored. The response carries the secret in `token`, the only
/// time it is ever sent. The answer is 200, not 201: the `bentoml` CLI takes any other status
/// for a failure.
#[utoipa::path(post, path = "/api/v1/api_tokens", tag = "api_tokens", operation_id = "create_api_token", request_body = schema::CreateApiToken,
    responses((status = 200, body = schema::ApiToken), (status = 400, body = schema::ErrorBody), (status = 401, body = schema::ErrorBody),
        (status = 413, body = schema::ErrorBody), (status = 415, body = schema::ErrorBody), (status = 422, body = schema::ErrorBody)))]
pub async fn create(
    developer: Developer,
    State(state): State<AppState>,
    JsonObject(body): JsonObject<schema::CreateApiToken>,
) -> Result<Json<schema::ApiToken>, RestError> {
    let now = db::now();
    let name = TokenName::parse(&body.name)?;
    let description = Description::parse(body.description.as_deref().unwrap_or_default())?;
    let deployments = body.deployments.unwrap_or_default();
    let all_deployments = body.all_deployments.unwrap_or(false);
    let scopes = Scopes::parse(body.scopes.as_deref().unwrap_or_default(), !deployments.is_empty() || all_deployments)?;
    let expiration = expiration(body.expired_at.as_deref(), now)?;
    let deployment_ids = deployments::ids_by_name(&state.pool, &developer.actor, &deployments).await?;
    let new = tokens::NewToken {
        name,
        description,
        types: TokenTypes::parse(scopes.user, scopes.developer, all_deployments, deployment_ids)?,
        expiration,
        organization: body.is_organization_token.unwrap_or(false),
    };
    let (token, secret) = tokens::create(&state.pool, &developer.actor, new).await?;
    let secret = secret.expose().to_owned();
    Ok(Json(to_schema(token, &developer, Some(secret), now)))
}

/// Edits an API token: name, description, and a User token's deployments. Takes effect on the
/// next request.
#[utoipa::path(patch, path = "/api/v1/api_tokens/{uid}", tag = "api_tokens", operation_id = "update_api_token", params(("uid" = String, Path)),
    request_body = schema::UpdateApiToken,
    responses((status = 200, body = schema::ApiToken), (status = 400, body = schema::ErrorBody), (status = 401, body = schema::ErrorBody),
        (status = 404, body = schema::ErrorBody), (status = 413, body = schema::ErrorBody), (status = 415, body = schema::ErrorBody),
        (status = 422, body = schema::ErrorBody)))]
pub async fn update(
    developer: Developer,
    State(state): State<AppState>,
    Path(uid): Path<String>,
    JsonObject(body): JsonObject<schema::UpdateApiToken>,
) -> Result<Json<schema::ApiToken>, RestError> {
    let id = token_id(&uid)?;
    let grants = match (body.all_deployments, body.deployments) {
        (None, None) => None,
        (all, names) => {
            let names = names.unwrap_or_default();
            let ids = deployments::ids_by_name(&state.pool, &developer.actor, &names).await?;
            Some(Grants::parse(all.unwrap_or(false), ids)?)
        }
    };
    let changes = tokens::TokenChanges {
        name: body.name.as_deref().map(TokenName::parse).transpose()?,
        description: body.description.as_deref().map(Description::parse).transpose()?,
        grants,
    };
    let token = tokens::update(&state.pool, &state.caches, &developer.actor, id, changes).await?;
    Ok(Json(to_schema(token, &developer, None, db::now())))
}

/// A new secret for an API token, keeping its name, types, deployments and (unless
/// `expired_at` is given) its expiry. The old secret stops working at once; the response
/// carries the new one in `token`, the only time it is sent.
#[utoipa::path(post, path = "/api/v1/api_tokens/{uid}/regenerate", tag = "api_tokens", operation_id = "regenerate_api_token",
    params(("uid" = String, Path)), request_body(content = Option<schema::RegenerateApiToken>),
    responses((status = 200, body = schema::ApiToken), (status = 400, body = schema::ErrorBody), (status = 401, body = schema::ErrorBody),
        (status = 404, body = schema::ErrorBody), (status = 413, body = schema::ErrorBody), (status = 422, body = schema::ErrorBody)))]
pub async fn regenerate(
    developer: Developer,
    State(state): State<AppState>,
    Path(uid): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<schema::ApiToken>, RestError> {
    let id = token_id(&uid)?;
    // No body at all keeps the expiry, as `{}` does; a body is a JSON object (see JsonObject).
    let body: schema::RegenerateApiToken = if body.iter().all(u8::is_ascii_whitespace) {
        schema::RegenerateApiToken::default()
    } else {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&body)
            .map_err(|err| RestError::bad_request(format!("The request body must be a JSON object: {err}")))?;
        serde_json::from_value(serde_json::Value::Object(object)).map_err(|err| {
            RestError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, format!("Invalid request body: {err}"))
        })?
    };
    let now = db::now();
    let expiration = match body.expired_at {
        None => None,
        Some(raw) => Some(expiration(raw.as_deref(), now)?),
    };
    let (token, secret) = tokens::regenerate(&state.pool, &state.caches, &developer.actor, id, expiration).await?;
    Ok(Json(to_schema(token, &developer, Some(secret.expose().to_owned()), now)))
}

/// The token types a client's `scopes` ask for.
struct Scopes {
    developer: bool,
    user: bool,
}

impl Scopes {
    /// `has_deployments`: the request names deployments, which make a User token by themselves.
    fn parse(scopes: &[String], has_deployments: bool) -> Result<Self, InvalidInput> {
        let mut types = Self { developer: false, user: has_deployments };
        for scope in scopes {
            match scope.trim() {
                known if DEVELOPER_SCOPES.contains(&known) => types.developer = true,
                USER_SCOPE => types.user = true,
                unknown => {
                    let message = format!(
                        "This console has no scope {unknown:?}. Its scopes are {} (all of them give a Developer \
                         token: API access) and {USER_SCOPE} (a User token, for the deployments named in \
                         \"deployments\").",
                        DEVELOPER_SCOPES.join(", ")
                    );
                    return Err(InvalidInput::new(Field::Scopes, message));
                }
            }
        }
        if !types.developer && !types.user {
            let message = "Say what the token may do: the scope api for a Developer token (with the bentoml CLI: \
                           --scope api), or \"deployments\" for a User token.";
            return Err(InvalidInput::new(Field::Scopes, message));
        }
        Ok(types)
    }
}

/// `expired_at` as a client sends it (see [`schema::CreateApiToken`]); nothing for no expiry.
fn expiration(raw: Option<&str>, now: i64) -> Result<Expiration, InvalidInput> {
    let raw = raw.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Expiration::at(None, now);
    }
    match parse_time(raw) {
        Some(ExpiresAt::Time(at)) => Expiration::at(Some(at), now),
        Some(ExpiresAt::WithoutOffset(at)) => Expiration::at(Some(at), now).map_err(|err| {
            InvalidInput::new(err.field, format!("{} (A time without an offset is taken as UTC.)", err.message))
        }),
        Some(ExpiresAt::Day(day)) => Expiration::through_day(day, now),
        None => {
            let message = format!("expired_at must be an RFC 3339 time or a date (YYYY-MM-DD), not {raw:?}.");
            Err(InvalidInput::new(Field::Expiration, message))
        }
    }
}

/// Deletes an API token; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/api_tokens/{uid}", tag = "api_tokens", operation_id = "delete_api_token", params(("uid" = String, Path)),
    responses((status = 200, body = schema::ApiToken), (status = 401, body = schema::ErrorBody), (status = 404, body = schema::ErrorBody)))]
pub async fn delete(
    developer: Developer,
    State(state): State<AppState>,
    Path(uid): Path<String>,
) -> Result<Json<schema::ApiToken>, RestError> {
    let token = tokens::delete(&state.pool, &state.caches, &developer.actor, token_id(&uid)?).await?;
    Ok(Json(to_schema(token, &developer, None, db::now())))
}

enum ExpiresAt {
    Time(i64),
    /// A time without an offset, taken as UTC.
    WithoutOffset(i64),
    /// A bare date (its first second): the token works through that day, as in the console.
    Day(i64),
}

/// RFC 3339 (`2027-01-31T00:00:00Z`, with any offset); or a time without offset, with `T` or a
/// space between date and time (`datetime.isoformat()`, and the `bentoml` CLI's
/// `2027-01-31 00:00:00.000000`), taken as UTC; or a bare date.
fn parse_time(raw: &str) -> Option<ExpiresAt> {
    use time::{
        format_description::well_known::Rfc3339, macros::format_description, OffsetDateTime, PrimitiveDateTime,
    };
    let raw = raw.trim();
    let raw = match raw.as_bytes().get(10) {
        Some(b' ') => format!("{}T{}", &raw[..10], &raw[11..]),
        _ => raw.to_owned(),
    };
    if let Ok(at) = OffsetDateTime::parse(&raw, &Rfc3339) {
        return Some(ExpiresAt::Time(at.unix_timestamp()));
    }
    let naive =
        format_description!(version = 2, "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");
    if let Ok(at) = PrimitiveDateTime::parse(&raw, naive) {
        return Some(ExpiresAt::WithoutOffset(at.assume_utc().unix_timestamp()));
    }
    crate::domain::time::parse_date(&raw).map(ExpiresAt::Day)
}

#[cfg(test)]
mod tests {
    use super::{parse_time, ExpiresAt, Scopes};
    use crate::domain::Field;

    #[test]
    fn scopes_map_to_token_types_and_unknown_ones_are_refused() {
        let parse = |scopes: &[&str], deployments| {
            let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
            Scopes::parse(&scopes, deployments).map(|s| (s.developer, s.user))
        };
        assert_eq!(parse(&["api"], false), Ok((true, false)));
        assert_eq!(parse(&["read_cluster", "write_organization"], false), Ok((true, false)));
        assert_eq!(parse(&[], true), Ok((false, true)));
        assert_eq!(parse(&["deployment_endpoint_access"], false), Ok((false, true)), "then deployments are required");
        assert_eq!(parse(&["api", "deployment_endpoint_access"], true), Ok((true, true)));
        for unknown in ["admin", "API", "read_deployment"] {
            let err = parse(&["api", unknown], false).unwrap_err();
            assert_eq!(err.field, Field::Scopes);
            assert!(err.message.contains(&format!("no scope {unknown:?}")), "{}", err.message);
        }
        assert!(parse(&[], false).unwrap_err().message.contains("--scope api"));
    }

    #[test]
    fn expiry_times_in_the_shapes_clients_send() {
        let time = |raw| match parse_time(raw) {
            Some(ExpiresAt::Time(at) | ExpiresAt::WithoutOffset(at)) => Some(at),
            _ => None,
        };
        assert_eq!(time("2027-01-31T00:00:00Z"), Some(1_801_353_600));
        assert_eq!(time("2027-01-31T01:00:00+01:00"), Some(1_801_353_600));
        assert_eq!(time("2027-01-31T00:00:00"), Some(1_801_353_600));
        assert_eq!(time("2027-01-31T00:00:00.123456"), Some(1_801_353_600));
        // What `bentoml api-token create --expires 2027-01-31` (or `30d`) sends.
        assert_eq!(time("2027-01-31 00:00:00.000000"), Some(1_801_353_600));
        assert_eq!(time("2027-01-31 01:00:00+01:00"), Some(1_801_353_600));
        assert!(matches!(parse_time("2027-01-31"), Some(ExpiresAt::Day(1_801_353_600))));
        assert!(parse_time("next week").is_none());
    }
}
