//! Copying values: the clipboard API, falling back to selecting the text so the user can
//! press Ctrl+C. A visible, announced "Copied" confirms it.

use leptos::prelude::*;

use super::form::textarea_text;

/// A read-only field with a Copy button, for values people must record (secrets, commands).
#[component]
pub fn CopyField(
    /// The field's id; its label points at it.
    id: String,
    label: String,
    value: String,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let field = if multiline {
        view! { <textarea id=id.clone() class="mono copy-value" readonly rows="3">{textarea_text(value.clone())}</textarea> }
            .into_any()
    } else {
        view! { <input id=id.clone() class="mono copy-value" type="text" readonly value=value.clone() /> }.into_any()
    };
    view! {
        <div class="copy-field">
            <label for=id.clone()>{label.clone()}</label>
            <div class="copy-row">
                {field} <CopyButton value label select_id=id />
            </div>
        </div>
    }
}

/// A Copy button for `value`. `select_id` names an input or text area to select when the
/// clipboard is not available.
#[component]
pub fn CopyButton(
    value: String,
    /// What is copied, for screen readers ("Copy <label>").
    label: String,
    #[prop(optional, into)] select_id: Option<String>,
) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let copy = move |_| copy_to_clipboard(&value, select_id.as_deref(), status);
    view! {
        <span class="copy-button">
            <button type="button" class="button secondary small" on:click=copy aria-label=format!("Copy {label}")>
                "Copy"
            </button>
            <span class="copy-status" role="status" aria-live="polite">
                {move || status.get()}
            </span>
        </span>
    }
}

#[cfg(feature = "hydrate")]
fn copy_to_clipboard(value: &str, select_id: Option<&str>, status: RwSignal<String>) {
    use wasm_bindgen::JsCast;
    let select_id = select_id.map(str::to_owned);
    let select_text = move || {
        let element = select_id.and_then(|id| document().get_element_by_id(&id));
        if let Some(input) = element.as_ref().and_then(|e| e.dyn_ref::<web_sys::HtmlInputElement>()) {
            input.select();
        } else if let Some(area) = element.as_ref().and_then(|e| e.dyn_ref::<web_sys::HtmlTextAreaElement>()) {
            area.select();
        }
    };
    let promise = window().navigator().clipboard().write_text(value);
    leptos::task::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(promise).await {
            Ok(_) => status.set("Copied".into()),
            Err(_) => {
                select_text();
                status.set("Selected: press Ctrl+C to copy".into());
            }
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn copy_to_clipboard(_value: &str, _select_id: Option<&str>, _status: RwSignal<String>) {}
