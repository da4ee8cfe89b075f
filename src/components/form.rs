//! Form pieces that show errors the same way everywhere.

use leptos::prelude::*;

use crate::api::AppError;
use crate::domain::Field;

/// The latest result of a form's server action, as an error (if any).
pub type FormErrorSignal = Signal<Option<AppError>>;

/// The form's current error. A form is torn down in the same tick as its action settles (the
/// reveal replaces Create's form; a redirect closes a dialog), and its fields' error displays
/// can still run once after the form's own signals are disposed: they then read no error
/// instead of panicking, which stopped the app (the reveal never showed).
fn current(error: FormErrorSignal) -> Option<AppError> {
    error.try_get().flatten()
}

/// What was typed into the field `name` of the form a no-JavaScript post had refused.
pub fn flashed_value(name: &str) -> Option<String> {
    super::flash::flashed().and_then(|flash| flash.value(name).map(str::to_owned))
}

/// Whether the checkbox or radio button `name`=`value` was ticked in the refused form; `None`
/// when there is no refused form.
pub fn flashed_checked(name: &str, value: &str) -> Option<bool> {
    super::flash::flashed().map(|flash| flash.has(name, value))
}

/// The error of `action`'s latest submission, for the form's fields to show.
pub fn action_error<S>(action: ServerAction<S>) -> FormErrorSignal
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// `action`'s latest output if the submission succeeded, for a dialog that shows it in place of
/// its form. It tracks only whether the latest submission succeeded, so a refused one leaves the
/// form standing instead of building it again: where the view types are erased (`--cfg
/// erase_components`, the release and the development builds alike), building an element again
/// removes its attributes and sets them afresh, and a default the user had changed wins again
/// (the `<option selected>` of "30 days" over the chosen "Custom date", a radio's `checked`).
pub fn action_output<S>(action: ServerAction<S>) -> impl Fn() -> Option<S::Output> + Copy
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let succeeded = Memo::new(move |_| action.value().with(|value| matches!(value, Some(Ok(_)))));
    move || succeeded.get().then(|| action.value().get_untracked().and_then(Result::ok)).flatten()
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
    field: Field,
    error: FormErrorSignal,
) -> impl IntoView {
    let wiring = FieldWiring::new(id, hint.is_some(), field, error);
    let value = flashed_value(id).or(value);
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                type=input_type
                value=value
                autocomplete=autocomplete
                autofocus=autofocus
                required=required
                aria-invalid=wiring.invalid()
                aria-describedby=wiring.described_by()
            />
            <FieldHintAndError wiring hint />
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
    let wiring = FieldWiring::new(id, hint.is_some(), field, error);
    let value = flashed_value(id).or(value);
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <textarea
                id=id
                name=id
                rows="3"
                aria-invalid=wiring.invalid()
                aria-describedby=wiring.described_by()
            >
                {textarea_text(value.unwrap_or_default())}
            </textarea>
            <FieldHintAndError wiring hint />
        </div>
    }
}

/// The children of a `<textarea>`: every textarea in the app gets its text through this.
///
/// tachys treats textarea children as raw text, like a `<script>`'s, and the server writes them
/// unescaped: a stored `</textarea><script>…` would close the element and run as whoever
/// opens the form. (leptos-rs/leptos#4730 escaped them; #4819 reverted that because it broke
/// hydration.) So the server escapes the text itself, and the HTML parser decodes it back
/// inside the textarea. In the browser the text becomes a DOM text node, which needs no
/// escaping; textarea children are never hydrated, so the two need not match.
pub fn textarea_text(text: String) -> String {
    #[cfg(feature = "ssr")]
    return html_escape::encode_text(&text).into_owned();
    #[cfg(not(feature = "ssr"))]
    text
}

/// The message for `field`, shown where a form puts it (under an input, or at the end of a
/// group of choices) and announced by screen readers.
#[component]
pub fn FieldError(field: Field, error: FormErrorSignal, #[prop(optional, into)] id: Option<String>) -> impl IntoView {
    // Only there while there is a message: an alert is announced as it appears, and an empty
    // one is noise to assistive technology.
    let message = move || current(error).and_then(|err| err.for_field(field));
    view! {
        {move || message().map(|message| view! { <p class="field-error" id=id.clone() role="alert">{message}</p> })}
    }
}

/// A checkbox or radio button with a bold title and a one-line explanation.
#[component]
pub fn Choice(
    /// `checkbox` or `radio`.
    input_type: &'static str,
    #[prop(into)] id: String,
    name: &'static str,
    value: &'static str,
    #[prop(optional)] checked: bool,
    title: &'static str,
    note: &'static str,
) -> impl IntoView {
    let label_for = id.clone();
    let checked = flashed_checked(name, value).unwrap_or(checked);
    view! {
        <label class="choice" for=label_for>
            <input type=input_type id=id name=name value=value checked=checked />
            <span>
                <strong>{title}</strong>
                <span class="choice-note">{note}</span>
            </span>
        </label>
    }
}

/// What ties an input to its hint and error for assistive technology.
#[derive(Clone)]
struct FieldWiring {
    hint_id: String,
    error_id: String,
    has_hint: bool,
    field: Field,
    error: FormErrorSignal,
}

impl FieldWiring {
    fn new(id: &str, has_hint: bool, field: Field, error: FormErrorSignal) -> Self {
        Self { hint_id: format!("{id}-hint"), error_id: format!("{id}-error"), has_hint, field, error }
    }

    fn has_error(&self) -> bool {
        current(self.error).and_then(|err| err.for_field(self.field)).is_some()
    }

    fn invalid(&self) -> impl Fn() -> Option<&'static str> + Send + Sync + 'static {
        let wiring = self.clone();
        move || wiring.has_error().then_some("true")
    }

    /// The hint (if any) and, while there is one, the error.
    fn described_by(&self) -> impl Fn() -> Option<String> + Send + Sync + 'static {
        let wiring = self.clone();
        move || {
            let mut ids = Vec::new();
            if wiring.has_hint {
                ids.push(wiring.hint_id.clone());
            }
            if wiring.has_error() {
                ids.push(wiring.error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    }
}

#[component]
fn FieldHintAndError(wiring: FieldWiring, hint: Option<String>) -> impl IntoView {
    let hint_id = wiring.hint_id.clone();
    view! {
        {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
        <FieldError field=wiring.field error=wiring.error id=wiring.error_id />
    }
}

/// An error that is not about one field, shown above the form.
#[component]
pub fn FormError(error: FormErrorSignal) -> impl IntoView {
    let message = move || current(error).and_then(|err| err.form_message());
    // After a refusal, focus goes to the first field that needs fixing.
    Effect::new(move |_| {
        if current(error).is_some_and(|err| err.form_message().is_none()) {
            super::focus::focus_first_invalid_soon();
        }
    });
    view! {
        <Show when=move || message().is_some()>
            <div class="alert error" role="alert">
                {message}
            </div>
        </Show>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn stored_text_cannot_close_a_textarea() {
        let stored = "</textarea><script>alert(1)</script> & <!-- x";
        let html = Owner::new().with(|| {
            view! { <TextArea id="d" label="D" value=stored field=Field::Description error=Signal::derive(|| None) /> }
                .to_html()
        });
        assert_eq!(html.matches("</textarea>").count(), 1, "{html}");
        assert!(
            html.contains("&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!-- x</textarea>"),
            "{html}"
        );
    }
}
