//! A modal dialog, shown while it is mounted. Pages mount it from the URL (`?create`,
//! `?edit=name`, …), so opening and closing are links.
//!
//! The server renders it open, so it works before the WebAssembly loads and without
//! JavaScript; once hydrated it becomes a real modal (`showModal()`): focus moves into it,
//! Tab stays inside, the page behind is inert, and Esc closes it.

use leptos::{html, prelude::*};
use leptos_router::hooks::use_navigate;

#[component]
pub fn Modal(
    /// Where closing the dialog (Esc) navigates: the same page without the dialog's query.
    #[prop(into)]
    close_href: String,
    /// Id of the dialog's heading, which labels it for screen readers.
    labelled_by: &'static str,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        let Some(dialog) = dialog.get() else { return };
        // After the next frame: a dialog rendered inside a pending Suspense is not in the
        // document yet, and showModal() would fail.
        request_animation_frame(move || {
            if dialog.is_connected() && !dialog.matches(":modal").unwrap_or(false) {
                // Server-rendered as a plain open dialog; reopen it as a modal one.
                dialog.close();
                let _ = dialog.show_modal();
            }
        });
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if let Some(dialog) = dialog.get() {
            keep_tab_inside(&dialog, &ev);
        }
    };
    let navigate = use_navigate();
    let on_cancel = move |ev: leptos::ev::Event| {
        ev.prevent_default();
        navigate(&close_href, Default::default());
    };
    view! {
        <div class="modal-scrim" aria-hidden="true"></div>
        <dialog class="modal" node_ref=dialog open=true aria-labelledby=labelled_by on:cancel=on_cancel on:keydown=on_keydown>
            {children()}
        </dialog>
    }
}

/// Wraps Tab from the last focusable element to the first (and Shift+Tab the other way), so
/// keyboard focus never leaves the dialog for the browser's own controls.
#[cfg(feature = "hydrate")]
fn keep_tab_inside(dialog: &web_sys::HtmlDialogElement, ev: &leptos::ev::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    if ev.key() != "Tab" {
        return;
    }
    let Ok(nodes) = dialog.query_selector_all(
        "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), textarea:not([disabled]), select:not([disabled])",
    ) else {
        return;
    };
    let focusable: Vec<web_sys::HtmlElement> =
        (0..nodes.length()).filter_map(|i| nodes.item(i)?.dyn_into::<web_sys::HtmlElement>().ok()).collect();
    let (Some(first), Some(last)) = (focusable.first(), focusable.last()) else { return };
    let active = document().active_element();
    let is = |element: &web_sys::HtmlElement| {
        active.as_ref().is_some_and(|a| a == element.unchecked_ref::<web_sys::Element>())
    };
    if ev.shift_key() && is(first) {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && is(last) {
        ev.prevent_default();
        let _ = first.focus();
    }
}

#[cfg(not(feature = "hydrate"))]
fn keep_tab_inside(_dialog: &leptos::web_sys::HtmlDialogElement, _ev: &leptos::ev::KeyboardEvent) {}

/// Cancel (a link back to the page) and the submit button, as every form dialog ends. A dialog
/// that destroys something opens with focus on Cancel, so Enter does not destroy at once.
#[component]
pub fn DialogButtons(
    #[prop(into)] cancel_href: String,
    submit: &'static str,
    pending: Memo<bool>,
    /// The submit button destroys something.
    #[prop(optional)]
    danger: bool,
) -> impl IntoView {
    view! {
        <div class="dialog-buttons">
            <a class="button secondary" href=cancel_href autofocus=danger>
                "Cancel"
            </a>
            <button
                type="submit"
                class=if danger { "button danger" } else { "button primary" }
                disabled=move || pending.get()
            >
                {submit}
            </button>
        </div>
    }
}
