//! Form pieces that show errors the same way everywhere.

use leptos::prelude::*;

use crate::api::AppError;
use crate::domain::Field;

/// The latest result of a form's server action, as an error (if any).
pub type FormErrorSignal = Signal<Option<AppError>>;

/// A labelled input with its error message underneath, wired for screen readers.
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] autofocus: bool,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] hint: Option<String>,
    field: Field,
    error: FormErrorSignal,
) -> impl IntoView {
    let message = move || error.get().and_then(|err| err.for_field(field));
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let has_hint = hint.is_some();
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                type=input_type
                autocomplete=autocomplete
                autofocus=autofocus
                required=required
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=described_by
            />
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            <p class="field-error" id=error_id role="alert">
                {message}
            </p>
        </div>
    }
}

/// An error that is not about one field, shown above the form.
#[component]
pub fn FormError(error: FormErrorSignal) -> impl IntoView {
    let message = move || error.get().and_then(|err| err.form_message());
    view! {
        <Show when=move || message().is_some()>
            <div class="alert error" role="alert">
                {message}
            </div>
        </Show>
    }
}
