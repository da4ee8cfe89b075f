//! The page's half of [`FormFlash`]: the form a no-JavaScript post had refused comes back with
//! what was typed and its errors.

use std::sync::Arc;

use leptos::prelude::*;

use crate::domain::FormFlash;

#[derive(Clone)]
struct Flashed(Arc<FormFlash>);

/// Called first thing in the app: reads the flash (the server from its sealed cookie, the
/// browser from the data block the server wrote), provides it to the fields, and the error to
/// the refusing server function's action (as Leptos does with an error in the URL). Returns the
/// data block, so that hydration starts from the same state as the server's render.
pub fn provide_form_flash() -> impl IntoView {
    let flash = read();
    flash.map(|flash| {
        provide_context(leptos::server::ServerActionError::new(&flash.path, &flash.error));
        let json = flash.to_script_json();
        provide_context(Flashed(Arc::new(flash)));
        view! { <script type="application/json" id=FormFlash::ELEMENT_ID>{json}</script> }
    })
}

/// The flash this render has, if any.
pub fn flashed() -> Option<Arc<FormFlash>> {
    use_context::<Flashed>().map(|flashed| flashed.0)
}

#[cfg(feature = "ssr")]
fn read() -> Option<FormFlash> {
    crate::api::flash::take()
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn read() -> Option<FormFlash> {
    let block = document().get_element_by_id(FormFlash::ELEMENT_ID)?;
    serde_json::from_str(&block.text_content()?).ok()
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn read() -> Option<FormFlash> {
    None
}
