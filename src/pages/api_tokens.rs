//! `/api_tokens`: the list (search by name or prefix, filter by expiry, pages of 50), Create
//! with the one-time reveal, and Delete. Each token's own page is `super::api_token`.

use leptos::{html, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

use crate::api::deployments::{list_deployments, DeploymentList};
use crate::api::tokens::{
    find_api_token, list_api_tokens, take_revealed_token, token_permissions, ApiToken, CreateApiToken, CreatedToken,
    DeleteApiToken, FoundToken, ListPosition, QueryChoice, TokenAbilities, TokenOwner, TokenPage, TokenStatus,
    PAGE_SIZES, TOKEN,
};
use crate::api::{AppError, Notice};
use crate::components::{
    badge::AccessBadge,
    changes::{Changes, StatusLine},
    copy::CopyField,
    dialog::{CloseGuard, DialogButtons, Modal},
    expiration::ExpirationField,
    focus::{focus_after_mount, focus_soon, FocusReturn, PAGE_HEADING},
    form::{
        action_error, action_output, flashed_checked, Choice, FieldError, FormError, FormErrorSignal, TextArea,
        TextField,
    },
    time::RelativeTime,
};
use crate::domain::{time, AccessType, DeploymentId, Field, Permission, TokenId};

#[derive(Debug, Clone, PartialEq, Eq)]
enum DialogState {
    None,
    Create,
    Delete(TokenId),
}

impl DialogState {
    /// The id of the control that opens this dialog, where focus returns when it closes.
    fn opener(&self) -> Option<String> {
        match self {
            DialogState::None => None,
            DialogState::Create => Some(CREATE_BUTTON.to_owned()),
            DialogState::Delete(id) => Some(delete_link_id(*id)),
        }
    }
}

const CREATE_BUTTON: &str = "create-token";

fn delete_link_id(id: TokenId) -> String {
    format!("delete-token-{id}")
}

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let delete = ServerAction::<DeleteApiToken>::new();
    let changes = Changes::new();
    changes.watch(create, |created| Notice::created(TOKEN, &created.token.name).0);
    changes.watch(delete, |notice| notice.0.clone());

    let query = use_query_map();
    let cli_code = Memo::new(move |_| super::cli_login::requested_code(&query.read()));
    let position = Memo::new(move |_| {
        let query = query.read();
        ListPosition::from_query(|key| query.get(key))
    });
    let tokens = Resource::new(
        move || (position.get(), changes.saved()),
        |(at, _)| list_api_tokens(at.search, at.page, at.status, at.owner, at.sort, at.per_page),
    );
    let dialog = Memo::new(move |_| {
        let query = query.read();
        if let Some(id) = query.get("delete").and_then(|id| id.parse().ok()) {
            DialogState::Delete(id)
        } else if query.get("create").is_some() {
            DialogState::Create
        } else {
            DialogState::None
        }
    });
    let focus = FocusReturn::new(changes);
    focus.follow_dialog(dialog, DialogState::opener, move || {
        create.value().set(None);
        delete.value().set(None);
    });
    // The deployments a User token can be granted, while the Create dialog is open.
    let grantable = grantable_while(move || dialog.get() == DialogState::Create);
    // What the role may create, read once the dialog opens: not from the list, which loads
    // again after every change and would render the open dialog (the reveal) afresh.
    let abilities = Resource::new(
        move || dialog.get() == DialogState::Create,
        |open| async move {
            match open {
                true => Some(token_permissions().await),
                false => None,
            }
        },
    );
    // The token the Delete dialog names, looked up by id: it may be on any page of the list.
    let doomed = Resource::new(
        move || match dialog.get() {
            DialogState::Delete(id) => Some(id),
            _ => None,
        },
        |id| async move {
            match id {
                Some(id) => Some(find_api_token(id).await),
                None => None,
            }
        },
    );
    let created_without_js = revealed_after_redirect(query);

    view! {
        <Title text="API Tokens" />
        <header class="page-header">
            <h1 id=PAGE_HEADING tabindex="-1">
                "API Tokens"
            </h1>
            <a id=CREATE_BUTTON class="button primary" href=move || position.get().href(Some("create"))>
                "Create"
            </a>
        </header>
        <StatusLine changes />
        <SearchForm position />
        {move || cli_code.get().map(|code| view! { <super::cli_login::CliLoginDialog code /> })}
        <Transition fallback=|| view! { <p class="muted">"Loading tokens…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    // Past the last page (its last token was just deleted, or an old link): go
                    // to the last page of the same search.
                    Ok(page) if page.page > page.last_page() => {
                        view! { <Redirect path=page.position().at_page(page.last_page()).href(None) /> }.into_any()
                    }
                    Ok(page) => view! { <TokenTable page focus /> }.into_any(),
                    Err(err) => view! { <div class="alert error" role="alert">{err.to_string()}</div> }.into_any(),
                }
            })}
            // The dialogs render apart from the list, which renders again after a change: an open
            // dialog (the reveal) stays as it is.
            {move || {
                let at = position.get();
                Suspend::new(async move {
                    let may = abilities.await.and_then(Result::ok).unwrap_or_default();
                    grantable.await.map(|deployments| view! { <CreateDialog action=create deployments at may /> })
                })
            }}
            {move || {
                let at = position.get();
                Suspend::new(async move {
                    doomed.await.map(|found| view! { <DeleteDialog found action=delete at /> })
                })
            }}
            <RevealAfterRedirect revealed=created_without_js back=Signal::derive(move || position.get().href(None)) />
        </Transition>
    }
}

#[component]
fn SearchForm(position: Memo<ListPosition>) -> impl IntoView {
    view! {
        <form class="search filters" method="get" action="/api_tokens" role="search">
            <label for="q" class="visually-hidden">
                "Search tokens by name or prefix"
            </label>
            <input
                type="search"
                id="q"
                name="q"
                placeholder="Name or bcst_… prefix"
                value=move || position.read().search.clone()
            />
            <label for="status" class="visually-hidden">
                "Show"
            </label>
            <select id="status" name="status">
                <QueryOptions position pick=|at| at.status />
            </select>
            <label for="owner" class="visually-hidden">
                "Owner"
            </label>
            <select id="owner" name="owner">
                <QueryOptions position pick=|at| at.owner />
            </select>
            <label for="sort" class="visually-hidden">
                "Sort by"
            </label>
            <select id="sort" name="sort">
                <QueryOptions position pick=|at| at.sort label="Sort: " />
            </select>
            <label for="per_page" class="visually-hidden">
                "Tokens per page"
            </label>
            <select id="per_page" name="per_page">
                {PAGE_SIZES
                    .map(|size| {
                        view! {
                            <option value=size selected=move || position.read().per_page == size>
                                {format!("{size} per page")}
                            </option>
                        }
                    })
                    .into_iter()
                    .collect_view()}
            </select>
            <button type="submit" class="button secondary">
                "Search"
            </button>
        </form>
    }
}

/// The options of a filter's `<select>`, the list's current choice selected.
#[component]
fn QueryOptions<T: QueryChoice>(
    position: Memo<ListPosition>,
    pick: fn(&ListPosition) -> T,
    #[prop(optional)] label: &'static str,
) -> impl IntoView {
    T::CHOICES
        .iter()
        .map(|&(choice, word, text)| {
            view! {
                <option value=word selected=move || pick(&position.read()) == choice>
                    {format!("{label}{text}")}
                </option>
            }
        })
        .collect_view()
}

/// How many tokens expire within a week, with a link to them.
#[component]
fn ExpiringNotice(page: TokenPage) -> impl IntoView {
    let count = page.expiring_soon;
    let filtered = ListPosition { status: TokenStatus::ExpiringSoon, ..ListPosition::default() }.href(None);
    let showing = page.status == TokenStatus::ExpiringSoon;
    (count > 0).then(|| {
        let text = match count {
            1 => "1 token expires within 7 days.".to_owned(),
            n => format!("{n} tokens expire within 7 days."),
        };
        view! {
            <p class="alert warning expiring-notice">
                {text} " Regenerate them with a new expiry, or let them lapse. "
                {(!showing).then(|| view! { <a href=filtered>"Show them"</a> })}
            </p>
        }
    })
}

#[component]
fn TokenTable(page: TokenPage, focus: FocusReturn) -> impl IntoView {
    focus.restore_after_render();
    let at = page.position();
    let notice = view! { <ExpiringNotice page=page.clone() /> };
    if page.total == 0 && page.search.is_empty() && page.status == TokenStatus::All && page.owner == TokenOwner::All {
        return view! {
            <section class="empty-state">
                <h2>"No API tokens yet"</h2>
                <p>
                    <strong>"User tokens"</strong>
                    " call Protected deployments: send one as "<code>"Authorization: Bearer …"</code>
                    " over HTTP, or as gRPC metadata."
                </p>
                <p>
                    <strong>"Developer tokens"</strong>
                    " manage resources through the API, for example with "<code>"bentoml cloud login"</code>"."
                </p>
                <a class="button primary" href=at.href(Some("create"))>
                    "Create a token"
                </a>
            </section>
        }
        .into_any();
    }
    if page.items.is_empty() {
        let heading = match (page.search.is_empty(), page.status) {
            (true, TokenStatus::ExpiringSoon) => "No token expires within 7 days".to_owned(),
            (true, TokenStatus::Expired) => "No token has expired".to_owned(),
            (true, _) => "No tokens match".to_owned(),
            (false, _) => format!("No tokens match “{}”", page.search),
        };
        return view! {
            {notice}
            <section class="empty-state">
                <h2>{heading}</h2>
                <a class="button secondary" href=ListPosition::default().href(None)>
                    "Clear search"
                </a>
            </section>
        }
        .into_any();
    }
    let now = page.now;
    view! {
        {notice}
        <div class="table-wrap">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Types"</th>
                        <th scope="col">"Deployments"</th>
                        <th scope="col">"Token"</th>
                        <th scope="col">"Owner"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {page
                        .items
                        .clone()
                        .into_iter()
                        .map(|token| view! { <TokenRow token now at=at.clone() /> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <Pagination page />
    }
    .into_any()
}

#[component]
fn TokenRow(token: ApiToken, now: i64, at: ListPosition) -> impl IntoView {
    let expired = token.is_expired(now);
    let expiring = token.expires_soon(now);
    let name = token.name.clone();
    view! {
        <tr id=format!("token-{}", token.id) class:expired=expired>
            <th scope="row" tabindex="-1">
                <a class="strong" href=token.href()>
                    {token.name.clone()}
                </a>
                {(!token.description.is_empty()).then(|| view! { <p class="cell-note">{token.description.clone()}</p> })}
            </th>
            <td data-label="Types">
                {token.is_user.then(|| view! { <span class="badge type-user">"User"</span> })}
                {token.is_developer.then(|| view! { <span class="badge type-developer">"Developer"</span> })}
            </td>
            <td data-label="Deployments">
                {if token.all_deployments {
                    view! { <span>"All deployments"</span> }.into_any()
                } else if token.deployments.is_empty() {
                    view! { <span class="muted">"—"</span> }.into_any()
                } else {
                    view! {
                        <ul class="plain-list">
                            {token
                                .deployments
                                .iter()
                                .map(|d| {
                                    view! {
                                        <li>
                                            <a class="mono" href=format!("/deployments#deployment-{}", d.name)>{d.name.clone()}</a>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            </td>
            <td class="mono small" data-label="Token">{format!("{}…", token.prefix)}</td>
            <td data-label="Owner">
                {if token.is_organization {
                    view! {
                        <span class="badge owner-organization">"Organization"</span>
                        <p class="cell-note">"by " {token.created_by.clone().unwrap_or_else(|| "command line".into())}</p>
                    }
                        .into_any()
                } else {
                    view! { <span>{token.created_by.clone().unwrap_or_else(|| "Command line".into())}</span> }.into_any()
                }}
            </td>
            <td data-label="Created">
                <RelativeTime at=token.created_at now />
            </td>
            <td class="last-used" data-label="Last used">
                {match token.last_used_at {
                    Some(at) => view! { <RelativeTime at now /> }.into_any(),
                    None => view! { <span class="muted">"Never"</span> }.into_any(),
                }}
            </td>
            <td data-label="Expires">
                {match token.expires_at {
                    None => view! { <span class="muted">"Never"</span> }.into_any(),
                    Some(at) => {
                        view! {
                            <time datetime=time::iso8601(at) title=time::exact(at)>
                                {time::date(at)}
                            </time>
                            {expired.then(|| view! { " " <span class="badge status-expired">"Expired"</span> })}
                            {expiring
                                .then(|| {
                                    view! {
                                        " "
                                        <span class="badge status-expiring" title=time::exact(at)>
                                            {format!("Expires {}", time::relative(at, now))}
                                        </span>
                                    }
                                })}
                        }
                            .into_any()
                    }
                }}
            </td>
            <td class="row-actions">
                {token
                    .can_manage
                    .then(|| {
                        view! {
                            <a
                                id=delete_link_id(token.id)
                                class="button link danger-text"
                                href=at.href(Some(&format!("delete={}", token.id)))
                                aria-label=format!("Delete {name}")
                            >
                                "Delete"
                            </a>
                        }
                    })}
            </td>
        </tr>
    }
}

#[component]
fn Pagination(page: TokenPage) -> impl IntoView {
    let first = (i64::from(page.page) - 1) * i64::from(page.per_page) + 1;
    let last = (first + page.items.len() as i64 - 1).max(first);
    let at = page.position();
    let link = move |n: u32| at.at_page(n).href(None);
    let (current, pages) = (page.page, page.last_page());
    view! {
        <nav class="pagination" aria-label="Pages">
            <span>{format!("Showing {first}–{last} of {}", page.total)}</span>
            {(current > 1).then(|| view! { <a class="button secondary small" href=link(current - 1) rel="prev">"Previous"</a> })}
            {(pages > 1)
                .then(|| {
                    view! {
                        <ol class="page-numbers">
                            {page_numbers(current, pages)
                                .into_iter()
                                .map(|n| match n {
                                    None => view! { <li aria-hidden="true">"…"</li> }.into_any(),
                                    Some(n) if n == current => {
                                        view! {
                                            <li>
                                                <a class="button small current" href=link(n) aria-current="page" aria-label=format!("Page {n}")>{n}</a>
                                            </li>
                                        }
                                            .into_any()
                                    }
                                    Some(n) => {
                                        view! {
                                            <li>
                                                <a class="button secondary small" href=link(n) aria-label=format!("Page {n}")>{n}</a>
                                            </li>
                                        }
                                            .into_any()
                                    }
                                })
                                .collect_view()}
                        </ol>
                    }
                })}
            {(current < pages).then(|| view! { <a class="button secondary small" href=link(current + 1) rel="next">"Next"</a> })}
        </nav>
    }
}

/// The page numbers to offer: the first, the last, and two either side of `current`; `None`
/// where a run is left out.
fn page_numbers(current: u32, last: u32) -> Vec<Option<u32>> {
    let mut shown = Vec::new();
    for n in 1..=last {
        if n == 1 || n == last || n.abs_diff(current) <= 2 {
            if shown.last().is_some_and(|previous: &Option<u32>| previous.is_some_and(|p| p + 1 != n)) {
                shown.push(None);
            }
            shown.push(Some(n));
        }
    }
    shown
}

/// `deployments`: those a User token can be granted, with the server's clock.
#[component]
fn CreateDialog(
    action: ServerAction<CreateApiToken>,
    deployments: Result<DeploymentList, AppError>,
    at: ListPosition,
    may: TokenAbilities,
) -> impl IntoView {
    let guard = CloseGuard::default();
    let created = action_output(action);
    view! {
        <Modal close_href=at.href(None) labelled_by="token-dialog-title" guard>
            {move || match created() {
                Some(created) => view! { <Reveal created done_href=at.href(None) guard /> }.into_any(),
                _ => view! { <CreateForm action deployments=deployments.clone() at=at.clone() may /> }.into_any(),
            }}
        </Modal>
    }
}

#[component]
fn CreateForm(
    action: ServerAction<CreateApiToken>,
    deployments: Result<DeploymentList, AppError>,
    at: ListPosition,
    /// What the viewer's role lets them create: only that is offered.
    may: TokenAbilities,
) -> impl IntoView {
    let server_error = action_error(action);
    // The at-least-one-type rule, checked in the browser before submitting (the server checks
    // it again on its own).
    let client_error = RwSignal::new(None::<AppError>);
    let error: FormErrorSignal = Signal::derive(move || client_error.get().or_else(|| server_error.get()));
    let form = NodeRef::<html::Form>::new();
    let check_types = move |ev: leptos::ev::MouseEvent| {
        client_error.set(None);
        if let Some(Err(invalid)) = form.get().map(|form| chosen_types(&form)) {
            ev.prevent_default();
            client_error.set(Some(AppError::Invalid(invalid)));
        }
    };
    let now = deployments.as_ref().map(|list| list.now).unwrap_or_default();
    let cancel = at.href(None);
    // `novalidate`: the browser refuses to submit a form with an invalid field even when the
    // field is hidden, and says nothing: a half-typed custom date, hidden again by choosing a
    // preset, blocked Create. The server checks every field (and ignores the date unless
    // "Custom date" is chosen) and answers next to the field, with or without JavaScript.
    view! {
        <ActionForm action node_ref=form attr:novalidate=true>
            <h2 id="token-dialog-title">"Create API token"</h2>
            <FormError error />
            <PositionInputs at />
            <TextField id="name" label="Name" autofocus=true required=true field=Field::Name error />
            <TextArea id="description" label="Description (optional)" hint="What the token is for." field=Field::Description error />
            <fieldset class="choices token-types" on:change=move |_| client_error.set(None)>
                <legend>"Token type (select at least one)"</legend>
                <Choice
                    input_type="checkbox"
                    id="type-user"
                    name="user"
                    value="on"
                    title="User (Deployment Endpoint Access)"
                    note="Grants access to Bento Deployments with Protected endpoints. Choose the deployments below."
                />
                <DeploymentPicker deployments error />
                {if may.create_developer {
                    view! {
                        <Choice
                            input_type="checkbox"
                            id="type-developer"
                            name="developer"
                            value="on"
                            title="Developer (API access)"
                            note="Grants API access to manage resources, for example with the BentoML CLI."
                        />
                    }
                        .into_any()
                } else {
                    view! {
                        <p class="muted role-note" id="developer-unavailable">
                            <strong>"Developer (API access): "</strong>
                            {Permission::CreateDeveloperTokens.refusal()}
                        </p>
                    }
                        .into_any()
                }}
                <FieldError field=Field::TokenTypes error id="types-error" />
            </fieldset>
            {may
                .create_organization
                .then(|| {
                    view! {
                        <fieldset class="choices">
                            <legend>"Owner"</legend>
                            <Choice
                                input_type="checkbox"
                                id="owner-organization"
                                name="organization"
                                value="on"
                                title="Organization token"
                                note="Belongs to the organization: every member sees it (never its secret), only admins manage it, and it keeps working when its creator leaves."
                            />
                        </fieldset>
                    }
                })}
            <ExpirationField now error />
            <div class="dialog-buttons">
                <a class="button secondary" href=cancel>
                    "Cancel"
                </a>
                <button type="submit" class="button primary" on:click=check_types disabled=move || action.pending().get()>
                    "Create"
                </button>
            </div>
        </ActionForm>
    }
}

/// The token types chosen in the form, by the same rule the server applies.
#[cfg(feature = "hydrate")]
fn chosen_types(form: &web_sys::HtmlFormElement) -> Result<crate::domain::TokenTypes, crate::domain::InvalidInput> {
    let data = web_sys::FormData::new_with_form(form).ok();
    let has = |key: &str| data.as_ref().is_some_and(|d| d.has(key));
    let deployments = data
        .as_ref()
        .map(|d| d.get_all("deployment_ids[]").iter().filter_map(|v| v.as_string()?.parse().ok()).collect())
        .unwrap_or_default();
    crate::domain::TokenTypes::parse(has("user"), has("developer"), has("all_deployments"), deployments)
}

#[cfg(not(feature = "hydrate"))]
fn chosen_types(
    _form: &leptos::web_sys::HtmlFormElement,
) -> Result<crate::domain::TokenTypes, crate::domain::InvalidInput> {
    Ok(crate::domain::TokenTypes::Developer)
}

/// The one-time reveal: the secret with a Copy button, the warning, and usage built from the
/// real values. Closing it before anything was copied asks first.
#[component]
pub(super) fn Reveal(
    created: CreatedToken,
    done_href: String,
    guard: CloseGuard,
    /// What happened, for the heading.
    #[prop(default = "created")]
    made: &'static str,
) -> impl IntoView {
    let CreatedToken { token, secret, login_command, curl_examples } = created;
    guard.arm();
    let copied = Callback::new(move |()| guard.disarm());
    // It replaces the form, which had focus.
    focus_after_mount("token-secret");
    Effect::new(move |was_asking: Option<bool>| {
        let asking = guard.asking();
        if asking {
            focus_soon("close-guard-back");
        } else if was_asking == Some(true) {
            focus_soon("token-secret");
        }
        asking
    });
    let unreachable: Vec<String> =
        token.deployments.iter().filter(|d| d.access == AccessType::Private).map(|d| d.name.clone()).collect();
    let done = move |ev: leptos::ev::MouseEvent| {
        if !guard.allows_close() {
            ev.prevent_default();
        }
    };
    let close_anyway = done_href.clone();
    view! {
        <div class="reveal" on:copy=move |_| guard.disarm()>
            <h2 id="token-dialog-title">"API token “" {token.name.clone()} "” " {made}</h2>
            <div class="alert warning" role="note">
                <strong>"Record this token now."</strong>
                " This is the only opportunity: it is stored only as a digest and can never be shown again."
            </div>
            <CopyField id="token-secret".into() label="API token".into() value=secret on_copied=copied />
            {login_command
                .map(|command| {
                    view! {
                        <h3>"Log in with the BentoML CLI"</h3>
                        <CopyField id="login-command".into() label="Command".into() value=command on_copied=copied />
                    }
                })}
            {curl_examples
                .into_iter()
                .enumerate()
                .map(|(i, example)| {
                    view! {
                        <h3>"Call " <span class="mono">{example.deployment}</span> " over HTTP"</h3>
                        <CopyField id=format!("curl-{i}") label="curl".into() value=example.command on_copied=copied />
                        {example.note.map(|note| view! { <p class="muted small">{note}</p> })}
                    }
                })
                .collect_view()}
            {(!unreachable.is_empty())
                .then(|| {
                    view! {
                        <p class="muted">
                            "Private deployments (" {unreachable.join(", ")} ") are reachable only inside the cluster."
                        </p>
                    }
                })}
            <div class="dialog-buttons">
                <Show
                    when=move || guard.asking()
                    fallback=move || {
                        view! {
                            <a class="button primary" href=done_href.clone() on:click=done>
                                "Done"
                            </a>
                        }
                    }
                >
                    <div class="close-guard" role="group" aria-labelledby="close-guard-question">
                        <p id="close-guard-question">
                            <strong>"Have you copied the token?"</strong>
                            " It will not be shown again."
                        </p>
                        <button id="close-guard-back" type="button" class="button secondary" on:click=move |_| guard.dismiss()>
                            "Back to the token"
                        </button>
                        <a class="button danger" href=close_anyway.clone()>
                            "Close without copying"
                        </a>
                    </div>
                </Show>
            </div>
        </div>
    }
}

#[component]
fn DeleteDialog(
    found: Result<FoundToken, AppError>,
    action: ServerAction<DeleteApiToken>,
    at: ListPosition,
) -> impl IntoView {
    let error = action_error(action);
    let back = at.href(None);
    let token = match found {
        Ok(found) => found.token,
        Err(err) => {
            let (title, text) = match err {
                AppError::NotFound(_) => {
                    ("Token not found", "This API token does not exist; it may have been deleted.".into())
                }
                other => ("Could not load the token", other.to_string()),
            };
            return view! {
                <Modal close_href=back.clone() labelled_by="token-dialog-title">
                    <h2 id="token-dialog-title">{title}</h2>
                    <p>{text}</p>
                    <div class="dialog-buttons">
                        <a class="button primary" href=back autofocus>
                            "Back to API tokens"
                        </a>
                    </div>
                </Modal>
            }
            .into_any();
        }
    };
    view! {
        <Modal close_href=back.clone() labelled_by="token-dialog-title">
            <ActionForm action>
                <h2 id="token-dialog-title">"Delete API token “" {token.name.clone()} "”?"</h2>
                <FormError error />
                <p>"Anything using it stops working at once. This cannot be undone."</p>
                <input type="hidden" name="id" value=token.id.get() />
                <PositionInputs at />
                <DialogButtons cancel_href=back submit="Delete token" pending=action.pending() danger=true />
            </ActionForm>
        </Modal>
    }
    .into_any()
}

/// The deployments a User token can be granted, loaded while `open()` (a dialog that offers
/// them is open). Pages create it at their top level, not in the dialog: a resource created
/// inside a Suspense's children is created again each time server rendering walks them again,
/// outside the request's context ("AppState missing"), and the page then failed to hydrate now
/// and then (leptos-rs/leptos#4866).
pub(super) fn grantable_while(
    open: impl Fn() -> bool + Send + Sync + 'static,
) -> Resource<Option<Result<DeploymentList, AppError>>> {
    Resource::new(open, |open| async move {
        if open {
            Some(list_deployments().await)
        } else {
            None
        }
    })
}

/// The token made by a form posted without JavaScript, shown once after the redirect (the URL
/// then says `created`).
pub(super) fn revealed_after_redirect(
    query: Memo<leptos_router::params::ParamsMap>,
) -> Resource<Result<Option<CreatedToken>, AppError>> {
    Resource::new(
        move || query.read().get("created").is_some(),
        |created| async move {
            if created {
                take_revealed_token().await
            } else {
                Ok(None)
            }
        },
    )
}

/// The reveal of [`revealed_after_redirect`], as a dialog that closes to `back`.
#[component]
pub(super) fn RevealAfterRedirect(
    revealed: Resource<Result<Option<CreatedToken>, AppError>>,
    back: Signal<String>,
    /// What happened, for the heading.
    #[prop(default = "created")]
    made: &'static str,
) -> impl IntoView {
    move || {
        let back = back.get();
        Suspend::new(async move {
            revealed.await.ok().flatten().map(|created| {
                let guard = CloseGuard::default();
                view! {
                    <Modal close_href=back.clone() labelled_by="token-dialog-title" guard>
                        <Reveal created done_href=back guard made />
                    </Modal>
                }
            })
        })
    }
}

/// The list's place, posted with a form so that the redirect after it goes back there.
#[component]
fn PositionInputs(at: ListPosition) -> impl IntoView {
    view! {
        <input type="hidden" name="page" value=at.page />
        <input type="hidden" name="q" value=at.search />
        <input type="hidden" name="status" value=at.status.as_query() />
        <input type="hidden" name="owner" value=at.owner.as_query() />
        <input type="hidden" name="sort" value=at.sort.as_query() />
        <input type="hidden" name="per_page" value=at.per_page />
    }
}

/// What a User token may call: All deployments, or some of `deployments`. `chosen` and `all`
/// say what is ticked at first (editing a token).
#[component]
pub(super) fn DeploymentPicker(
    deployments: Result<DeploymentList, AppError>,
    error: FormErrorSignal,
    #[prop(optional)] chosen: Vec<DeploymentId>,
    #[prop(optional)] all: bool,
) -> impl IntoView {
    view! {
        <fieldset class="deployment-picker">
            <legend>"Deployments this token may call"</legend>
            <Choice
                input_type="checkbox"
                id="all-deployments"
                name="all_deployments"
                value="on"
                checked=all
                title="All deployments"
                note="Every Protected deployment of the organization, including ones created later."
            />
            <div class="deployment-list">
                {match deployments {
                    Ok(list) if list.items.is_empty() => {
                        view! {
                            <p class="muted">
                                "No deployments yet. " <a href="/deployments?create">"Create one"</a>
                                " first to grant a User token access to it, or choose All deployments."
                            </p>
                        }
                            .into_any()
                    }
                    Ok(list) => {
                        list.items
                            .into_iter()
                            .map(|d| {
                                let id = format!("deployment-{}", d.id);
                                view! {
                                    <label class="choice" for=id.clone()>
                                        <input
                                            type="checkbox"
                                            id=id.clone()
                                            name="deployment_ids[]"
                                            value=d.id.get()
                                            checked=flashed_checked("deployment_ids[]", &d.id.to_string())
                                                .unwrap_or(chosen.contains(&d.id))
                                            data-access=d.access.as_str()
                                        />
                                        <span class="mono">{d.name.clone()}</span>
                                        <AccessBadge access=d.access />
                                    </label>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }
                    Err(err) => view! { <p class="alert error">{err.to_string()}</p> }.into_any(),
                }}
                <p class="alert warning warn-public">
                    "Public deployments need no token: anyone can call them. The grant only matters if you make them Protected later."
                </p>
                <p class="alert warning warn-private">
                    "Private deployments are not reachable from outside, with or without a token."
                </p>
            </div>
            <FieldError field=Field::Deployments error />
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::page_numbers;

    #[test]
    fn page_numbers_show_the_ends_and_the_neighbourhood() {
        assert_eq!(page_numbers(1, 1), vec![Some(1)]);
        assert_eq!(page_numbers(1, 4), vec![Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(
            page_numbers(10, 20),
            vec![Some(1), None, Some(8), Some(9), Some(10), Some(11), Some(12), None, Some(20)]
        );
        assert_eq!(page_numbers(1, 20), vec![Some(1), Some(2), Some(3), None, Some(20)]);
    }
}
