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
    let menu = NodeRef::<leptos::html::Details>::new();
    let menu_button = NodeRef::<leptos::html::Summary>::new();
    // A <details> menu opens and closes without JavaScript; once hydrated, Esc closes it too
    // and gives focus back to its button, as menus do.
    let close_on_escape = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() != "Escape" {
            return;
        }
        if let Some(menu) = menu.get().filter(|menu| menu.open()) {
            menu.set_open(false);
            if let Some(button) = menu_button.get() {
                let _ = button.focus();
            }
        }
    };
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
                                <details class="user-menu" node_ref=menu on:keydown=close_on_escape>
                                    <summary
                                        node_ref=menu_button
                                        aria-label=format!("Account menu for {}", account.user_name)
                                    >
                                        <span class="avatar" aria-hidden="true">
                                            {initial(&account.user_name)}
                                        </span>
                                        <span class="user-name">{account.user_name.clone()}</span>
                                    </summary>
                                    <div class="menu-panel">
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
                                </details>
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

fn initial(name: &str) -> String {
    name.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default()
}
