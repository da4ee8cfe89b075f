//! Keyboard focus when a dialog closes (WCAG 2.4.3): back on the control that opened it. If that
//! control went away with its row (the row was deleted), focus goes to the next row, else the
//! previous one, else the page's heading. Rows (`<tr id=…>`) are focused through their header
//! cell, which is focusable from script only (`tabindex="-1"`).
//!
//! After a change the list renders again, reusing its elements for other rows, so focus is put
//! back once more when it has: the list calls [`FocusReturn::restore_after_render`].

use leptos::prelude::*;

use super::changes::Changes;

/// The page heading's id: the last place focus can go.
pub const PAGE_HEADING: &str = "page-heading";

#[derive(Clone, Copy)]
pub struct FocusReturn {
    /// Element ids, best first.
    candidates: StoredValue<Vec<String>>,
    /// A change was saved: the list is about to render again.
    changed: StoredValue<bool>,
}

impl FocusReturn {
    pub fn new(changes: Changes) -> Self {
        let this = Self { candidates: StoredValue::new(Vec::new()), changed: StoredValue::new(false) };
        Effect::new(move |first: Option<()>| {
            changes.saved();
            if first.is_some() {
                this.changed.set_value(true);
            }
        });
        this
    }

    /// Follows the page's open dialog (from its URL). When it changes, `reset` forgets the last
    /// dialog's result, so a revealed secret does not linger in memory or come back with Back,
    /// and a dialog opened afresh starts without the previous attempt's error (not on the first
    /// run: a no-JavaScript submission's error must stay). Focus goes back to the opener
    /// (`opener(dialog)`; `None` for no dialog) when it closes.
    pub fn follow_dialog<D>(&self, dialog: Memo<D>, opener: fn(&D) -> Option<String>, reset: impl Fn() + 'static)
    where
        D: Clone + PartialEq + Send + Sync + 'static,
    {
        let this = *self;
        Effect::new(move |previous: Option<D>| {
            let current = dialog.get();
            let opens = opener(&current);
            if previous.is_some_and(|previous| previous != current) {
                reset();
                if opens.is_none() {
                    this.dialog_closed();
                }
            }
            if let Some(opener) = opens {
                this.dialog_opened(opener);
            }
            current
        });
    }

    /// A dialog opened by the element with id `opener` is open. Where focus will go is worked
    /// out now, while the opener's row is surely in the document.
    pub fn dialog_opened(&self, opener: String) {
        self.candidates.set_value(candidates(opener));
    }

    /// The dialog has closed.
    pub fn dialog_closed(&self) {
        let this = *self;
        request_animation_frame(move || this.focus_first());
    }

    /// Called where the list renders: once it is in the document, after a change, focus goes
    /// where the last dialog left it (again).
    pub fn restore_after_render(&self) {
        let this = *self;
        Effect::new(move |_| {
            if this.changed.get_value() {
                this.changed.set_value(false);
                request_animation_frame(move || this.focus_first());
            }
        });
    }

    fn focus_first(&self) {
        self.candidates.with_value(|ids| {
            ids.iter().any(|id| focus_by_id(id));
        });
    }
}

/// Focuses the element with this id once the calling component is in the document: for content
/// that replaces what had focus (a dialog's form giving way to its result).
pub fn focus_after_mount(id: &'static str) {
    Effect::new(move |_| focus_soon(id));
}

/// Focuses the element with this id on the next frame, once what is rendering now is in the
/// document.
pub fn focus_soon(id: &'static str) {
    request_animation_frame(move || {
        focus_by_id(id);
    });
}

/// Focuses the first field marked invalid on the next frame, once its message is rendered (a
/// refused form sends the person to what needs fixing).
pub fn focus_first_invalid_soon() {
    request_animation_frame(focus_first_invalid);
}

#[cfg(feature = "hydrate")]
fn focus_first_invalid() {
    use wasm_bindgen::JsCast;
    let first =
        document().query_selector("dialog[open] [aria-invalid='true'], main [aria-invalid='true']").ok().flatten();
    if let Some(element) = first.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

#[cfg(not(feature = "hydrate"))]
fn focus_first_invalid() {}

/// The opener, the rows after and before the opener's row, the heading: element ids, best first.
#[cfg(feature = "hydrate")]
fn candidates(opener: String) -> Vec<String> {
    let row = document().get_element_by_id(&opener).and_then(|el| el.closest("tr").ok().flatten());
    let next = row.as_ref().and_then(|row| row.next_element_sibling()).map(|row| row.id());
    let previous = row.as_ref().and_then(|row| row.previous_element_sibling()).map(|row| row.id());
    [Some(opener), next, previous, Some(PAGE_HEADING.to_owned())]
        .into_iter()
        .flatten()
        .filter(|id| !id.is_empty())
        .collect()
}

#[cfg(not(feature = "hydrate"))]
fn candidates(opener: String) -> Vec<String> {
    vec![opener]
}

/// Focuses the element (a row: its header cell); false when there is no such element.
#[cfg(feature = "hydrate")]
fn focus_by_id(id: &str) -> bool {
    use wasm_bindgen::JsCast;
    let Some(element) = document().get_element_by_id(id) else { return false };
    let target = if element.tag_name().eq_ignore_ascii_case("tr") {
        element.query_selector("th").ok().flatten()
    } else {
        Some(element)
    };
    target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()).is_some_and(|t| t.focus().is_ok())
}

#[cfg(not(feature = "hydrate"))]
fn focus_by_id(_id: &str) -> bool {
    false
}
