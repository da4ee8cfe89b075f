//! Times as people read them: "5 minutes ago", with the exact UTC time in a tooltip.

use leptos::prelude::*;

use crate::domain::time::{exact, iso8601, relative};

/// `now` is the server's clock, sent with the data, so server and browser render the same text.
#[component]
pub fn RelativeTime(at: i64, now: i64) -> impl IntoView {
    view! {
        <time datetime=iso8601(at) title=exact(at)>
            {relative(at, now)}
        </time>
    }
}
