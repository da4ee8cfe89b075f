//! A modal dialog, shown while it is mounted. Pages mount it from the URL (`?create`,
//! `?edit=name`, …), so opening and closing are links.
//!
//! The server renders it open, so it works before the WebAssembly loads and without
//! JavaScript; once hydrated it becomes a real modal (`showModal()`): focus moves into it,
//! Tab stays inside, the page behind is inert, and Esc or a click on the backdrop closes it
//! (unless its [`CloseGuard`] asks first).

use leptos::{html, prelude::*};
use leptos_router::hooks::use_navigate;

#[component]
pub fn Modal(
    /// Where closing the dialog (Esc, the backdrop) navigates: the same page without the
    /// dialog's query.
    #[prop(into)]
    close_href: String,
    /// Id of the dialog's heading, which labels it for screen readers.
    labelled_by: &'static str,
    /// Asks before closing, while it is armed.
    #[prop(optional)]
    guard: Option<CloseGuard>,
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
    let close = move || {
        if guard.is_none_or(|guard| guard.allows_close()) {
            navigate(&close_href, Default::default());
        }
    };
    let on_cancel = {
        let close = close.clone();
        move |ev: leptos::ev::Event| {
            ev.prevent_default();
            close();
        }
    };
    // Chrome lets a page refuse only one Esc per user action: the next one closes the dialog
    // whatever the page says. An armed guard opens it again.
    let on_close = move |_| {
        if let Some(dialog) = dialog.get().filter(|dialog| guard.is_some_and(|g| g.is_armed()) && !dialog.open()) {
            let _ = dialog.show_modal();
        }
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if dialog.get().is_some_and(|dialog| is_on_backdrop(&dialog, &ev)) {
            close();
        }
    };
    view! {
        <div class="modal-scrim" aria-hidden="true"></div>
        <dialog
            class="modal"
            node_ref=dialog
            open=true
            aria-labelledby=labelled_by
            on:cancel=on_cancel
            on:close=on_close
            on:keydown=on_keydown
            on:click=on_click
        >
            {children()}
        </dialog>
    }
}

/// Makes closing a dialog ask first while it is armed: the one-time reveal, until its secret
/// has been copied. The dialog shows the question while [`CloseGuard::asking`].
#[derive(Clone, Copy, Default)]
pub struct CloseGuard {
    armed: RwSignal<bool>,
    asking: RwSignal<bool>,
}

impl CloseGuard {
    pub fn arm(&self) {
        self.armed.set(true);
    }

    /// Closing is fine now (the secret was copied).
    pub fn disarm(&self) {
        self.armed.set(false);
        self.asking.set(false);
    }

    fn is_armed(&self) -> bool {
        self.armed.get_untracked()
    }

    pub fn asking(&self) -> bool {
        self.asking.get()
    }

    /// Back to the dialog's content, without closing.
    pub fn dismiss(&self) {
        self.asking.set(false);
    }

    /// Whether the dialog may close now. If not, it asks (or, when it was already asking,
    /// Esc takes the question away).
    pub fn allows_close(&self) -> bool {
        if !self.armed.get_untracked() {
            return true;
        }
        self.asking.update(|asking| *asking = !*asking);
        false
    }
}

/// A click on the dialog element itself, outside its box: on the backdrop.
#[cfg(feature = "hydrate")]
fn is_on_backdrop(dialog: &web_sys::HtmlDialogElement, ev: &leptos::ev::MouseEvent) -> bool {
    use wasm_bindgen::JsCast;
    let on_dialog = ev.target().is_some_and(|target| target.dyn_ref::<web_sys::HtmlDialogElement>() == Some(dialog));
    let bounds = dialog.get_bounding_client_rect();
    let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
    on_dialog && (x < bounds.left() || x > bounds.right() || y < bounds.top() || y > bounds.bottom())
}

#[cfg(not(feature = "hydrate"))]
fn is_on_backdrop(_dialog: &leptos::web_sys::HtmlDialogElement, _ev: &leptos::ev::MouseEvent) -> bool {
    false
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
