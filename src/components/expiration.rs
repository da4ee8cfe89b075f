//! The Expiration field of the forms that make a token or give it a new secret: No expiration
//! (which must be confirmed), the presets (30 days chosen at first), a custom date, and, when
//! regenerating, keeping the current expiry.

use leptos::prelude::*;

use super::form::{flashed_checked, flashed_value, FieldError, FormErrorSignal};
use crate::domain::{time, Expiration, Field};

/// `now` is the server's clock: the custom date can be tomorrow at the earliest. `keep`: the
/// token's current expiry (`Some(None)`: none), offered first and chosen at first, with the
/// value `keep_value`.
#[component]
pub fn ExpirationField(
    now: i64,
    error: FormErrorSignal,
    #[prop(optional)] keep: Option<Option<i64>>,
    #[prop(optional)] keep_value: &'static str,
) -> impl IntoView {
    let tomorrow = time::date(now + time::DAY);
    let default = keep.is_none().then_some(Expiration::DEFAULT_DAYS);
    // A refused form (posted without JavaScript) comes back as it was.
    let chosen = flashed_value("expiration");
    let picked = move |value: &str, otherwise: bool| chosen.as_deref().map_or(otherwise, |chosen| chosen == value);
    let presets = Expiration::PRESET_DAYS.map(|days| {
        view! {
            <option value=days selected=picked(&days.to_string(), Some(days) == default)>
                {format!("{days} days")}
            </option>
        }
    });
    let keep = keep.map(|current| {
        let label = match current {
            Some(at) if at <= now => format!("Keep the current expiry (expired {})", time::date(at)),
            Some(at) => format!("Keep the current expiry ({})", time::date(at)),
            None => "Keep the current expiry (none)".to_owned(),
        };
        view! {
            <option value=keep_value selected=picked(keep_value, true)>
                {label}
            </option>
        }
    });
    // The custom date and the confirmation of No expiration show only while their choice is
    // made (CSS, so also without JavaScript); the server ignores them otherwise.
    view! {
        <div class="field expiration">
            <label for="expiration">"Expiration"</label>
            <select id="expiration" name="expiration">
                {keep}
                <option value="never" selected=picked("never", false)>
                    "No expiration"
                </option>
                {presets.into_iter().collect_view()}
                <option value="custom" selected=picked("custom", false)>
                    "Custom date"
                </option>
            </select>
            <div class="custom-date">
                <label for="expires_on">"Expires after (UTC)"</label>
                <input type="date" id="expires_on" name="expires_on" min=tomorrow value=flashed_value("expires_on") />
            </div>
            <label class="choice confirm-never" for="confirm_never">
                <input
                    type="checkbox"
                    id="confirm_never"
                    name="confirm_never"
                    value="on"
                    checked=flashed_checked("confirm_never", "on").unwrap_or(false)
                />
                <span>
                    <strong>"Never expire"</strong>
                    <span class="choice-note">
                        "The token works until someone deletes it. An expiry limits the harm if it leaks."
                    </span>
                </span>
            </label>
            <FieldError field=Field::Expiration error />
        </div>
    }
}
