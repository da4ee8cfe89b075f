use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Redirect, Route, Router, Routes},
    hooks::use_params_map,
    path, SsrMode,
};

use crate::components::shell::ConsoleLayout;
use crate::pages::{
    ActivityPage, ApiTokenPage, ApiTokensPage, DeploymentsPage, JoinPage, LoginPage, MembersPage, NotFound, SetupPage,
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::headers::send_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // The bundle's names, hashed when the build wrote its hash file: `options.output_name`,
                // read once at startup (server::assets).
                <HashedStylesheet id="leptos" options=options.clone() />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let flash = crate::components::flash::provide_form_flash();
    // Every route renders completely on the server (no streamed fallbacks), so pages are
    // whole and usable before the WebAssembly loads, and with JavaScript off.
    view! {
        <Title formatter=|title: String| format!("{title} · Bento Console") />
        {flash}
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async />
                <Route path=path!("/join") view=JoinPage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=ConsoleLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=|| view! { <Redirect path="/deployments" /> } ssr=SsrMode::Async />
                    <Route path=path!("deployments") view=DeploymentsPage ssr=SsrMode::Async />
                    <Route path=path!("api_tokens") view=ApiTokensPage ssr=SsrMode::Async />
                    <Route path=path!("api_tokens/:id") view=ApiTokenPage ssr=SsrMode::Async />
                    <Route path=path!("members") view=MembersPage ssr=SsrMode::Async />
                    <Route path=path!("activity") view=ActivityPage ssr=SsrMode::Async />
                    // Links the bentoml CLI prints for BentoCloud's console.
                    <Route path=path!("api-token") view=|| view! { <Redirect path="/api_tokens" /> } ssr=SsrMode::Async />
                    <Route path=path!("deployments/:name") view=DeploymentLink ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// `/deployments/<name>` (the CLI's `admin_console` link) goes to that row of the list.
#[component]
fn DeploymentLink() -> impl IntoView {
    let name = use_params_map().read_untracked().get("name").unwrap_or_default();
    view! { <Redirect path=format!("/deployments#deployment-{name}") /> }
}
