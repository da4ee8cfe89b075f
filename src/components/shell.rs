//! The console around every signed-in page: header with organization and user menu, and
//! the navigation.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use crate::api::auth::{current_account, Logout};
use crate::domain::Role;

#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let account = Resource::new(|| (), |_| current_account());
    let logout = ServerAction::<Logout>::new();
    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <header class="topbar">
            <a class="brand" href="/">
                <img class="logo" src="/favicon.svg" alt="" width="24" height="24" />
                "Bento Console"
            </a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(account) => {
                            view! {
                                <span class="org" title="Organization">
                                    {account.organization_name}
                                </span>
                                <div class="user-menu">
                                    // A popover: a real button that opens and closes it, Esc and a
                                    // click outside close it, all without JavaScript.
                                    <button
                                        type="button"
                                        class="user-button"
                                        popovertarget=ACCOUNT_MENU
                                        aria-label=format!("Account menu for {}", account.user_name)
                                    >
                                        <span class="avatar" aria-hidden="true">
                                            {initial(&account.user_name)}
                                        </span>
                                        <span class="user-name">{account.user_name.clone()}</span>
                                    </button>
                                    <div id=ACCOUNT_MENU class="menu-panel" popover="auto">
                                        <p class="menu-email">{account.email}</p>
                                        <p class="menu-role">{account.role.label()}</p>
                                        {(account.role == Role::Admin)
                                            .then(|| {
                                                view! {
                                                    <a class="menu-link" href="/members">"Members"</a>
                                                    <a class="menu-link" href="/activity">"Activity log"</a>
                                                }
                                            })}
                                        <ActionForm action=logout>
                                            <button type="submit" class="button secondary full">
                                                "Sign out"
                                            </button>
                                        </ActionForm>
                                    </div>
                                </div>
                            }
                                .into_any()
                        }
                        Err(err) => {
                            view! {
                                <span class="alert error inline" role="alert">
                                    {err.to_string()}
                                    " "
                                    <a href="/login">"Sign in"</a>
                                </span>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </header>
        <div class="console">
            <nav class="sidebar" aria-label="Main">
                <A href="/deployments">"Deployments"</A>
                <A href="/api_tokens">"API Tokens"</A>
                // Admins' pages; the server refuses them to anyone else.
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        account
                            .await
                            .ok()
                            .filter(|account| account.role == Role::Admin)
                            .map(|_| {
                                view! {
                                    <A href="/members">"Members"</A>
                                    <A href="/activity">"Activity"</A>
                                }
                            })
                    })}
                </Transition>
            </nav>
            <main id="main" class="content">
                <Outlet />
            </main>
        </div>
    }
}

const ACCOUNT_MENU: &str = "account-menu";

fn initial(name: &str) -> String {
    name.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default()
}
