//! `/api_tokens?code=…`: the BentoML CLI asks for a Developer token (`bentoml cloud login`,
//! "Create a new API token with a web browser"). A signed-in member sees when and from where
//! it asked, and creates the token for it (prefilled, and changeable) or declines. The secret
//! is never shown here: the CLI collects it.

use leptos::prelude::*;

use crate::api::cli_login::{find_cli_login, ApproveCliLogin, CliLogin, CliLoginStatus, DeclineCliLogin};
use crate::components::{
    dialog::Modal,
    expiration::ExpirationField,
    form::{action_error, FormError, TextArea, TextField},
    time::RelativeTime,
};
use crate::domain::{time, AppError, Field, Permission};

const TITLE_ID: &str = "cli-login-title";

/// The sign-in dialog for `code`, over the API Tokens page.
#[component]
pub fn CliLoginDialog(code: String) -> impl IntoView {
    let approve = ServerAction::<ApproveCliLogin>::new();
    let decline = ServerAction::<DeclineCliLogin>::new();
    // Fetched again after each answer, except a refused field (a bad expiry date): the request
    // is still pending then, and fetching it again would build the form again and lose what
    // the user chose (see `form::action_output`).
    let approvals = Memo::new(move |count: Option<&u32>| {
        let count = count.copied().unwrap_or_default();
        approve.value().with(|value| match value {
            None | Some(Err(AppError::Invalid(_) | AppError::InvalidFields(_))) => count,
            Some(_) => count + 1,
        })
    });
    let answered = move || (approvals.get(), decline.version().get());
    let request = Resource::new(answered, {
        let code = code.clone();
        move |_| find_cli_login(code.clone())
    });
    view! {
        <Modal close_href="/api_tokens" labelled_by=TITLE_ID>
            <Suspense fallback=|| view! { <p class="muted">"Loading the sign-in request…"</p> }>
                {move || {
                    let code = code.clone();
                    Suspend::new(async move {
                        match request.await {
                            Ok(Some(login)) if login.status == CliLoginStatus::Pending => {
                                view! { <Confirm login code approve decline /> }.into_any()
                            }
                            Ok(Some(login)) => view! { <Outcome login /> }.into_any(),
                            Ok(None) => {
                                view! {
                                    <Closing
                                        title="Sign-in link not valid"
                                        text="This sign-in link is not valid. Run bentoml cloud login again."
                                    />
                                }
                                    .into_any()
                            }
                            Err(err) => view! { <Closing title="Could not load the sign-in request" text=err.to_string() /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </Modal>
    }
}

/// The request, and the two answers.
#[component]
fn Confirm(
    login: CliLogin,
    code: String,
    approve: ServerAction<ApproveCliLogin>,
    decline: ServerAction<DeclineCliLogin>,
) -> impl IntoView {
    let error = action_error(approve);
    let declined_error = action_error(decline);
    let now = login.now;
    let declined_code = code.clone();
    view! {
        <h2 id=TITLE_ID>"Sign in the BentoML CLI?"</h2>
        <div class="alert warning" role="note">
            "The BentoML CLI is asking for a Developer token. Only continue if you ran "
            <code>"bentoml cloud login"</code>" yourself just now."
        </div>
        <dl class="facts">
            <dt>"Requested"</dt>
            <dd>
                <RelativeTime at=login.requested_at now />
                " (" {time::exact(login.requested_at)} ")"
            </dd>
            <dt>"From address"</dt>
            <dd class="mono">{login.requested_from.clone()}</dd>
            <dt>"Link expires"</dt>
            <dd>
                <RelativeTime at=login.expires_at now />
            </dd>
        </dl>
        {(!login.may_approve)
            .then(|| {
                view! {
                    <p class="alert error" role="alert">
                        {Permission::CreateDeveloperTokens.refusal()}
                        " Ask an admin or a developer to sign the CLI in, or decline."
                    </p>
                }
            })}
        <ActionForm action=approve attr:novalidate=true attr:hidden=!login.may_approve>
            <FormError error />
            <input type="hidden" name="code" value=code />
            <TextField id="name" label="Token name" required=true value=login.suggested_name.clone() field=Field::Name error />
            <TextArea id="description" label="Description (optional)" field=Field::Description error />
            <p class="field">
                <strong>"Type: Developer"</strong>
                " (API access to manage resources, as the CLI needs)"
            </p>
            <ExpirationField now error />
            <div class="dialog-buttons">
                <button type="submit" class="button primary" disabled=move || approve.pending().get()>
                    "Create token for the CLI"
                </button>
            </div>
        </ActionForm>
        <ActionForm action=decline>
            <FormError error=declined_error />
            <input type="hidden" name="code" value=declined_code />
            <div class="dialog-buttons">
                <button type="submit" class="button secondary" disabled=move || decline.pending().get()>
                    "Decline"
                </button>
            </div>
        </ActionForm>
    }
}

/// What became of an answered, collected or expired request.
#[component]
fn Outcome(login: CliLogin) -> impl IntoView {
    let by = login.answered_by.map(|name| format!(" by {name}")).unwrap_or_default();
    let (title, text) = match login.status {
        CliLoginStatus::Approved | CliLoginStatus::Pending => (
            "Return to your terminal",
            format!("A Developer token was created{by} for the BentoML CLI, which picks it up within a second. It is not shown here."),
        ),
        CliLoginStatus::Collected => (
            "Return to your terminal",
            format!("The BentoML CLI has its token (created{by}) and is signed in."),
        ),
        CliLoginStatus::Declined => (
            "Sign-in declined",
            format!("The sign-in was declined{by}: the CLI gets no token, and the link no longer works. The CLI keeps waiting until you stop it (Ctrl+C)."),
        ),
        CliLoginStatus::Expired => (
            "Sign-in link expired",
            "This sign-in link has expired (links work for 10 minutes). Run bentoml cloud login again.".to_owned(),
        ),
    };
    view! { <Closing title text /> }
}

#[component]
fn Closing(title: &'static str, #[prop(into)] text: String) -> impl IntoView {
    view! {
        <h2 id=TITLE_ID>{title}</h2>
        <p role="status">{text}</p>
        <div class="dialog-buttons">
            // A full load, so that the list shows the new token.
            <a class="button primary" href="/api_tokens" rel="external">
                "Back to API tokens"
            </a>
        </div>
    }
}

/// Where a page shows the dialog: `Some(code)` while the URL has one.
pub fn requested_code(query: &leptos_router::params::ParamsMap) -> Option<String> {
    query.get("code").filter(|code| !code.is_empty())
}
