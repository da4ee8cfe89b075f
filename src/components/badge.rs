//! Small labels: access types and token types.

use leptos::prelude::*;

use crate::domain::AccessType;

#[component]
pub fn AccessBadge(access: AccessType) -> impl IntoView {
    view! {
        <span class=format!("badge access-{}", access.as_str()) title=access.explanation()>
            {access.label()}
        </span>
    }
}
