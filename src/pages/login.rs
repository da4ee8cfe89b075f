use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::Login;
use crate::components::form::{action_error, FormError, TextField};
use crate::domain::Field;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = action_error(login);
    let next = move || use_query_map().read().get("next").unwrap_or_default();
    view! {
        <Title text="Sign in" />
        <main class="auth-page">
            <ActionForm action=login attr:class="card auth-card">
                <h1>"Sign in to Bento Console"</h1>
                <FormError error />
                <TextField
                    id="email"
                    label="Email"
                    input_type="email"
                    autocomplete="username"
                    autofocus=true
                    required=true
                    field=Field::Email
                    error
                />
                <TextField
                    id="password"
                    label="Password"
                    input_type="password"
                    autocomplete="current-password"
                    required=true
                    field=Field::Password
                    error
                />
                <input type="hidden" name="next" prop:value=next />
                <button type="submit" class="button primary full" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        </main>
    }
}
