//! `/join?code=…`: an invitee chooses a password and joins the organization. The link is the
//! one-time invitation an admin made on the Members page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{invitation, InvitationDetails, Join};
use crate::components::form::{action_error, FormError, TextField};
use crate::domain::{Field, PASSWORD_MIN_CHARS};

#[component]
pub fn JoinPage() -> impl IntoView {
    let code = move || use_query_map().read().get("code").unwrap_or_default();
    let found = Resource::new(code, invitation);
    view! {
        <Title text="Join" />
        <main class="auth-page">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match found.await {
                        Ok(Some(details)) => view! { <JoinForm code=code() details /> }.into_any(),
                        _ => {
                            view! {
                                <section class="card auth-card">
                                    <h1>"This invitation is not valid"</h1>
                                    <p>
                                        "The link has expired, was revoked or has already been used. "
                                        "Ask an admin of your organization for a new one."
                                    </p>
                                    <a class="button primary" href="/login">
                                        "Go to sign in"
                                    </a>
                                </section>
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
fn JoinForm(code: String, details: InvitationDetails) -> impl IntoView {
    let join = ServerAction::<Join>::new();
    let error = action_error(join);
    view! {
        <ActionForm action=join attr:class="card auth-card">
            <h1>{format!("Join {}", details.organization_name)}</h1>
            <p class="lead">
                "You were invited as "<strong>{details.role.label()}</strong>" with the email "
                <strong class="mono">{details.email.clone()}</strong>". Choose a password to join."
            </p>
            <FormError error />
            <input type="hidden" name="code" value=code />
            <TextField
                id="name"
                label="Your name"
                autocomplete="name"
                required=true
                value=details.name.clone()
                field=Field::Name
                error
            />
            <TextField
                id="password"
                label="Password"
                input_type="password"
                autocomplete="new-password"
                autofocus=true
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
            <button type="submit" class="button primary full" disabled=move || join.pending().get()>
                "Join and sign in"
            </button>
        </ActionForm>
    }
}
