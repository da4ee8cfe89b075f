//! Copying values: the clipboard API, falling back to selecting the text so the user can
//! press Ctrl+C. A visible, announced "Copied" confirms it. Copy buttons need the page's
//! script: they stay hidden until it has loaded, and the text can be selected by hand.

use leptos::prelude::*;

use super::form::textarea_text;

/// A read-only text area with a Copy button, for values people must record (secrets,
/// commands). It wraps long values, so all of one is always in view.
#[component]
pub fn CopyField(
    /// The field's id; its label points at it.
    id: String,
    label: String,
    value: String,
    /// Told when the value has been copied.
    #[prop(optional, into)]
    on_copied: Option<Callback<()>>,
) -> impl IntoView {
    view! {
        <div class="copy-field">
            <label for=id.clone()>{label.clone()}</label>
            <div class="copy-row">
                <textarea id=id.clone() class="mono copy-value" readonly rows="1">
                    {textarea_text(value.clone())}
                </textarea>
                <CopyButton value label select_id=id on_copied />
            </div>
        </div>
    }
}

/// A Copy button for `value`. `select_id` names a text area to select when the clipboard is
/// not available.
#[component]
pub fn CopyButton(
    value: String,
    /// What is copied, for screen readers ("Copy <label>").
    label: String,
    #[prop(optional, into)] select_id: Option<String>,
    #[prop(optional_no_strip)] on_copied: Option<Callback<()>>,
) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let loaded = RwSignal::new(false);
    Effect::new(move |_| loaded.set(true));
    let copy = move |_| copy_to_clipboard(&value, select_id.as_deref(), status, on_copied);
    view! {
        <span class="copy-button" hidden=move || !loaded.get()>
            <button type="button" class="button secondary small" on:click=copy aria-label=format!("Copy {label}")>
                "Copy"
            </button>
            <span class="copy-status" role="status">
                {move || status.get()}
            </span>
        </span>
    }
}

#[cfg(feature = "hydrate")]
fn copy_to_clipboard(value: &str, select_id: Option<&str>, status: RwSignal<String>, on_copied: Option<Callback<()>>) {
    use wasm_bindgen::JsCast;
    let select_id = select_id.map(str::to_owned);
    let select_text = move || {
        let element = select_id.and_then(|id| document().get_element_by_id(&id));
        if let Some(area) = element.as_ref().and_then(|e| e.dyn_ref::<web_sys::HtmlTextAreaElement>()) {
            area.select();
        }
    };
    let promise = window().navigator().clipboard().write_text(value);
    leptos::task::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(promise).await {
            Ok(_) => {
                status.set("Copied".into());
                if let Some(on_copied) = on_copied {
                    on_copied.run(());
                }
            }
            Err(_) => {
                select_text();
                status.set("Selected: press Ctrl+C to copy".into());
            }
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn copy_to_clipboard(_value: &str, _select_id: Option<&str>, _status: RwSignal<String>, _on: Option<Callback<()>>) {}
