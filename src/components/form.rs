//! Form pieces that show errors the same way everywhere.

use leptos::prelude::*;

use crate::api::AppError;
use crate::domain::Field;

/// The latest result of a form's server action, as an error (if any).
pub type FormErrorSignal = Signal<Option<AppError>>;

/// The error of `action`'s latest submission, for the form's fields to show.
pub fn action_error<S>(action: ServerAction<S>) -> FormErrorSignal
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// A counter that goes up each time one of the watched actions succeeds. Lists key their
/// resource on it, so they refetch after a change but not after a rejected submission (which
/// would re-render the open dialog and lose what the user typed).
pub fn successes() -> RwSignal<u32> {
    RwSignal::new(0)
}

pub fn count_success<S>(action: ServerAction<S>, counter: RwSignal<u32>)
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            counter.update(|n| *n += 1);
        }
    });
}

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
    /// The initial value (editing an existing record).
    #[prop(optional, into)]
    value: Option<String>,
    /// Shown as a read-only value instead of an input (fields fixed after creation).
    #[prop(optional)]
    readonly: bool,
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
                value=value
                readonly=readonly
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

/// A labelled multi-line input with its error message underneath.
#[component]
pub fn TextArea(
    id: &'static str,
    label: &'static str,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    field: Field,
    error: FormErrorSignal,
) -> impl IntoView {
    let message = move || error.get().and_then(|err| err.for_field(field));
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = format!("{hint_id} {error_id}");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <textarea
                id=id
                name=id
                rows="3"
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=described_by
            >
                {value}
            </textarea>
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
