use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    view! {
        <Title text="API Tokens" />
        <header class="page-header">
            <h1>"API Tokens"</h1>
        </header>
        <section class="empty-state">
            <h2>"No API tokens yet"</h2>
            <p>
                <strong>"User tokens"</strong>
                " give access to chosen Protected deployments. "
                <strong>"Developer tokens"</strong>
                " give API access to manage resources, for example with the BentoML CLI."
            </p>
            <p class="muted">"Creating tokens is not available in this version yet."</p>
        </section>
    }
}
