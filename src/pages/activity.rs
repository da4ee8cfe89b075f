//! `/activity` (admins): who did what, when, from which address; filtered by member, kind
//! and days, in pages of 50.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::activity::{list_events, Event, EventPage};
use crate::components::{focus::PAGE_HEADING, time::RelativeTime};
use crate::domain::EventKind;

/// The filters, as the URL carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Filters {
    page: u32,
    member: String,
    kind: String,
    from: String,
    to: String,
}

impl Filters {
    fn href(&self, page: u32) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [("member", &self.member), ("kind", &self.kind), ("from", &self.from), ("to", &self.to)] {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            "/activity".to_owned()
        } else {
            format!("/activity?{query}")
        }
    }
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        let query = query.read();
        Filters {
            page: query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1),
            member: query.get("member").unwrap_or_default(),
            kind: query.get("kind").unwrap_or_default(),
            from: query.get("from").unwrap_or_default(),
            to: query.get("to").unwrap_or_default(),
        }
    });
    let events = Resource::new(move || filters.get(), |f| list_events(f.page, f.member, f.kind, f.from, f.to));
    view! {
        <Title text="Activity" />
        <header class="page-header">
            <h1 id=PAGE_HEADING tabindex="-1">
                "Activity"
            </h1>
        </header>
        <Transition fallback=|| view! { <p class="muted">"Loading activity…"</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Ok(page) => {
                        view! {
                            <FilterForm filters=filters.get_untracked() page=page.clone() />
                            <EventTable page filters=filters.get_untracked() />
                        }
                            .into_any()
                    }
                    Err(err) => view! { <div class="alert error" role="alert">{err.to_string()}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn FilterForm(filters: Filters, page: EventPage) -> impl IntoView {
    let members = page.members.into_iter().map(|m| {
        let value = m.id.to_string();
        let selected = value == filters.member;
        view! { <option value=value selected=selected>{m.name}</option> }
    });
    let kinds = EventKind::ALL.map(|kind| {
        let selected = kind.as_str() == filters.kind;
        view! { <option value=kind.as_str() selected=selected>{kind.label()}</option> }
    });
    view! {
        <form class="search filters" method="get" action="/activity" role="search">
            <div class="filter">
                <label for="member">"Member"</label>
                <select id="member" name="member">
                    <option value="">"Everyone"</option>
                    {members.collect_view()}
                </select>
            </div>
            <div class="filter">
                <label for="kind">"What"</label>
                <select id="kind" name="kind">
                    <option value="">"Everything"</option>
                    {kinds.into_iter().collect_view()}
                </select>
            </div>
            <div class="filter">
                <label for="from">"From"</label>
                <input type="date" id="from" name="from" value=filters.from.clone() />
            </div>
            <div class="filter">
                <label for="to">"To"</label>
                <input type="date" id="to" name="to" value=filters.to.clone() />
            </div>
            <button type="submit" class="button secondary">
                "Filter"
            </button>
        </form>
    }
}

#[component]
fn EventTable(page: EventPage, filters: Filters) -> impl IntoView {
    if page.events.is_empty() {
        return view! {
            <section class="empty-state">
                <h2>"No activity matches"</h2>
                <a class="button secondary" href="/activity">
                    "Clear filters"
                </a>
            </section>
        }
        .into_any();
    }
    let now = page.now;
    let last = page.last_page();
    let current = page.page;
    view! {
        <div class="table-wrap">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Subject"</th>
                        <th scope="col">"Details"</th>
                        <th scope="col">"From"</th>
                    </tr>
                </thead>
                <tbody>{page.events.into_iter().map(|event| view! { <EventRow event now /> }).collect_view()}</tbody>
            </table>
        </div>
        <nav class="pagination" aria-label="Pages">
            {(current > 1).then(|| view! { <a class="button secondary" href=filters.href(current - 1) rel="prev">"Previous"</a> })}
            <span>{format!("Page {current} of {last} · {} events", page.total)}</span>
            {(current < last).then(|| view! { <a class="button secondary" href=filters.href(current + 1) rel="next">"Next"</a> })}
        </nav>
    }
    .into_any()
}

#[component]
fn EventRow(event: Event, now: i64) -> impl IntoView {
    view! {
        <tr class=format!("event-{}", event.kind.as_str())>
            <td data-label="When">
                <RelativeTime at=event.at now />
            </td>
            <th scope="row" data-label="Who">
                {event.actor_name.clone()}
                {event.token_prefix.clone().map(|prefix| view! { <span class="muted mono small">" via "{prefix}"…"</span> })}
            </th>
            <td data-label="What">{event.kind.label()}</td>
            <td data-label="Subject">{event.subject.clone()}</td>
            <td data-label="Details">{event.detail.clone()}</td>
            <td class="mono small" data-label="From">{event.client.clone().unwrap_or_default()}</td>
        </tr>
    }
}
