use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DeploymentsPage() -> impl IntoView {
    view! {
        <Title text="Deployments" />
        <header class="page-header">
            <h1>"Deployments"</h1>
        </header>
        <section class="empty-state">
            <h2>"No deployments yet"</h2>
            <p>
                "A deployment is a running Bento service that this console fronts. Its endpoint access type "
                "decides who may call it: Public (anyone), Protected (a valid User token) or Private "
                "(only from inside the cluster)."
            </p>
            <p class="muted">"Registering deployments is not available in this version yet."</p>
        </section>
    }
}
