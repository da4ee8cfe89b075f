//! The Expiration field of the forms that make a token: No expiration, the presets (30 days
//! chosen at first), or a custom date.

use leptos::prelude::*;

use super::form::{FieldError, FormErrorSignal};
use crate::domain::{time, Expiration, Field};

/// `now` is the server's clock: the custom date can be tomorrow at the earliest.
#[component]
pub fn ExpirationField(now: i64, error: FormErrorSignal) -> impl IntoView {
    let tomorrow = time::date(now + time::DAY);
    let presets = Expiration::PRESET_DAYS.map(|days| {
        view! {
            <option value=days selected=days == Expiration::DEFAULT_DAYS>
                {format!("{days} days")}
            </option>
        }
    });
    // The custom date shows only while "Custom date" is chosen (CSS, so also without
    // JavaScript); the server ignores it otherwise.
    view! {
        <div class="field expiration">
            <label for="expiration">"Expiration"</label>
            <select id="expiration" name="expiration">
                <option value="never">"No expiration"</option>
                {presets.into_iter().collect_view()}
                <option value="custom">"Custom date"</option>
            </select>
            <div class="custom-date">
                <label for="expires_on">"Expires after (UTC)"</label>
                <input type="date" id="expires_on" name="expires_on" min=tomorrow />
            </div>
            <FieldError field=Field::Expiration error />
        </div>
    }
}
