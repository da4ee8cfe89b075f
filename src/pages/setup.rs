use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{setup_available, Setup};
use crate::components::form::{action_error, FormError, FormErrorSignal, TextField};
use crate::domain::{Field, PASSWORD_MIN_CHARS};

/// First-run setup, opened by the one-time link the server prints while no user exists.
#[component]
pub fn SetupPage() -> impl IntoView {
    let code = move || use_query_map().read().get("code").unwrap_or_default();
    let available = Resource::new(code, setup_available);
    view! {
        <Title text="Set up" />
        <main class="auth-page">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match available.await {
                        Ok(true) => view! { <SetupForm code=code() /> }.into_any(),
                        _ => {
                            view! {
                                <LinkNotValid
                                    title="Setup is not available"
                                    text="This setup link is invalid or has already been used. The console prints a fresh link to its log when it starts with no users."
                                />
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn SetupForm(code: String) -> impl IntoView {
    let setup = ServerAction::<Setup>::new();
    let error = action_error(setup);
    view! {
        <ActionForm action=setup attr:class="card auth-card">
            <h1>"Set up Bento Console"</h1>
            <p class="lead">"Name your organization and create the first administrator."</p>
            <FormError error />
            <input type="hidden" name="code" value=code />
            <TextField
                id="organization_name"
                label="Organization name"
                autocomplete="organization"
                autofocus=true
                required=true
                field=Field::OrganizationName
                error
            />
            <TextField id="name" label="Your name" autocomplete="name" required=true field=Field::Name error />
            <TextField
                id="email"
                label="Email"
                input_type="email"
                autocomplete="username"
                required=true
                field=Field::Email
                error
            />
            <NewPasswordFields error />
            <button type="submit" class="button primary full" disabled=move || setup.pending().get()>
                "Create organization and sign in"
            </button>
        </ActionForm>
    }
}

/// A one-time link that opens nothing (used, expired, revoked or mistyped), with the way on.
#[component]
pub(super) fn LinkNotValid(title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <section class="card auth-card">
            <h1>{title}</h1>
            <p>{text}</p>
            <a class="button primary" href="/login">
                "Go to sign in"
            </a>
        </section>
    }
}

/// A new password and its confirmation.
#[component]
pub(super) fn NewPasswordFields(error: FormErrorSignal, #[prop(optional)] autofocus: bool) -> impl IntoView {
    view! {
        <TextField
            id="password"
            label="Password"
            input_type="password"
            autocomplete="new-password"
            autofocus
            required=true
            hint=format!("At least {PASSWORD_MIN_CHARS} characters.")
            field=Field::Password
            error
        />
        <TextField
            id="password_confirmation"
            label="Confirm password"
            input_type="password"
            autocomplete="new-password"
            required=true
            field=Field::PasswordConfirmation
            error
        />
    }
}
