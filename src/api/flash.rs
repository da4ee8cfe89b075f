//! Opens the sealed flash of a refused no-JavaScript form for the page being rendered, once
//! (see `server::form_flash`). Server-side only.

use axum::http::{header, HeaderValue};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::domain::FormFlash;
use crate::server::{form_flash, AppState};

/// The flash for this render; its cookie is deleted by the same response.
pub fn take() -> Option<FormFlash> {
    let state = use_context::<AppState>()?;
    let parts = use_context::<axum::http::request::Parts>()?;
    let settings = &state.settings;
    let (flash, removal) = form_flash::take(&settings.secret_key, &parts.headers, settings.is_https());
    if let (Some(removal), Some(response)) = (removal, use_context::<ResponseOptions>()) {
        if let Ok(value) = HeaderValue::from_str(&removal) {
            response.append_header(header::SET_COOKIE, value);
        }
    }
    flash
}
