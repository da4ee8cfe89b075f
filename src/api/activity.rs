//! The activity log as its page sees it. Admins only (the service checks).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;
use crate::domain::{EventKind, UserId};

pub const PAGE_SIZE: u32 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    pub token_prefix: Option<String>,
    pub kind: EventKind,
    pub subject: String,
    pub detail: String,
    pub client: Option<String>,
}

/// Who can be picked in the member filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberChoice {
    pub id: UserId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPage {
    pub events: Vec<Event>,
    pub total: i64,
    pub page: u32,
    pub members: Vec<MemberChoice>,
    pub now: i64,
}

impl EventPage {
    pub fn last_page(&self) -> u32 {
        u32::try_from((self.total + i64::from(PAGE_SIZE) - 1) / i64::from(PAGE_SIZE)).unwrap_or(u32::MAX).max(1)
    }
}

/// A page of the log. `member` is a member's id, `kind` an event kind, `from` and `to` days
/// (YYYY-MM-DD, UTC, inclusive); empty for no filter.
#[server(prefix = "/rpc", endpoint = "list_events")]
pub async fn list_events(
    page: u32,
    #[server(default)] member: String,
    #[server(default)] kind: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
) -> Result<EventPage, AppError> {
    use crate::domain::{time, Field, InvalidInput};
    use crate::server::{activity, db, members};
    let (state, actor) = super::context::require_actor().await?;
    let day = |raw: &str, field_label: &str| -> Result<Option<i64>, AppError> {
        match raw.trim() {
            "" => Ok(None),
            raw => time::parse_date(raw).map(Some).ok_or_else(|| {
                InvalidInput::new(Field::Expiration, format!("{field_label} must be a date (YYYY-MM-DD).")).into()
            }),
        }
    };
    let query = activity::Query {
        actor_id: member.trim().parse().ok(),
        kind: EventKind::parse(&kind),
        from: day(&from, "From")?,
        until: day(&to, "To")?.map(|day| day + time::DAY),
    };
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(PAGE_SIZE);
    let listed = activity::list(&state.pool, &actor, &query, offset, i64::from(PAGE_SIZE)).await?;
    let members = members::names(&state.pool, &actor).await?;
    Ok(EventPage {
        events: listed
            .events
            .into_iter()
            .map(|e| Event {
                id: e.id,
                at: e.at,
                actor_id: e.actor_id,
                actor_name: e.actor_name,
                token_prefix: e.token_prefix,
                kind: e.kind,
                subject: e.subject,
                detail: e.detail,
                client: e.client,
            })
            .collect(),
        total: listed.total,
        page,
        members: members.into_iter().map(|m| MemberChoice { id: m.id, name: m.name }).collect(),
        now: db::now(),
    })
}
