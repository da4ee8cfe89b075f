//! `/api/v1/events`: the activity log, for Developer tokens of admins.

use axum::{
    extract::{Query, State},
    Json,
};

use super::{schema, Developer, RestError, MAX_COUNT};
use crate::domain::{time, EventKind, UserId};
use crate::server::{activity, AppState};

/// Which events: paging, a kind, a member, a range of days.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Offset of the first event (default 0).
    #[serde(default)]
    pub start: String,
    /// Events per page (default 50, at most 1000).
    #[serde(default)]
    pub count: String,
    /// Only events of this kind (see `Event.kind`).
    #[serde(default)]
    pub kind: String,
    /// Only what this member did: `usr-<n>`.
    #[serde(default)]
    pub actor: String,
    /// Only events on or after this day (YYYY-MM-DD, UTC).
    #[serde(default)]
    pub from: String,
    /// Only events on or before this day (YYYY-MM-DD, UTC).
    #[serde(default)]
    pub to: String,
}

impl EventQuery {
    fn parse(&self) -> Result<(activity::Query, i64, i64), RestError> {
        let start = super::parse_non_negative(&self.start, "start", 0)?;
        let count = super::parse_non_negative(&self.count, "count", 50)?.min(MAX_COUNT);
        let kind = match self.kind.trim() {
            "" => None,
            raw => Some(EventKind::parse(raw).ok_or_else(|| {
                let kinds: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.as_str()).collect();
                RestError::bad_request(format!("kind must be one of {}, not {raw:?}.", kinds.join(", ")))
            })?),
        };
        let actor_id = match self.actor.trim() {
            "" => None,
            raw => Some(raw.strip_prefix("usr-").and_then(|id| id.parse::<UserId>().ok()).ok_or_else(|| {
                RestError::bad_request(format!("actor must be a member's uid (usr-<n>), not {raw:?}."))
            })?),
        };
        let day = |raw: &str, name: &str| match raw.trim() {
            "" => Ok(None),
            raw => time::parse_date(raw)
                .map(Some)
                .ok_or_else(|| RestError::bad_request(format!("{name} must be a date (YYYY-MM-DD), not {raw:?}."))),
        };
        let from = day(&self.from, "from")?;
        let until = day(&self.to, "to")?.map(|day| day + time::DAY);
        Ok((activity::Query { actor_id, kind, from, until }, start, count))
    }
}

fn to_schema(event: activity::Event) -> schema::Event {
    schema::Event {
        uid: format!("evt-{}", event.id),
        created_at: schema::rfc3339(event.at),
        kind: event.kind.as_str().to_owned(),
        actor: event.actor_name,
        actor_uid: event.actor_id.map(|id| format!("usr-{id}")),
        token_prefix: event.token_prefix,
        subject: event.subject,
        detail: event.detail,
        client: event.client,
    }
}

/// The organization's activity log, newest first. Admins' Developer tokens only (403 for
/// others).
#[utoipa::path(get, path = "/api/v1/events", tag = "events", operation_id = "list_events", params(EventQuery),
    responses((status = 200, body = schema::List<schema::Event>), (status = 400, body = schema::ErrorBody),
        (status = 401, body = schema::ErrorBody), (status = 403, body = schema::ErrorBody)))]
pub async fn list(
    developer: Developer,
    State(state): State<AppState>,
    Query(query): Query<EventQuery>,
) -> Result<Json<schema::List<schema::Event>>, RestError> {
    let (query, start, count) = query.parse()?;
    let listed = activity::list(&state.pool, &developer.actor, &query, start, count).await?;
    let items: Vec<schema::Event> = listed.events.into_iter().map(to_schema).collect();
    Ok(Json(schema::List { start, count: items.len() as i64, total: listed.total, items }))
}
