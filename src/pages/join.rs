//! `/join?code=…`: an invitee chooses a password and joins the organization. The link is the
//! one-time invitation an admin made on the Members page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::setup::{LinkNotValid, NewPasswordFields};
use crate::api::auth::{invitation, InvitationDetails, Join};
use crate::components::form::{action_error, FormError, TextField};
use crate::domain::Field;

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
                                <LinkNotValid
                                    title="This invitation is not valid"
                                    text="The link has expired, was revoked or has already been used. Ask an admin of your organization for a new one."
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
            <NewPasswordFields error autofocus=true />
            <button type="submit" class="button primary full" disabled=move || join.pending().get()>
                "Join and sign in"
            </button>
        </ActionForm>
    }
}
