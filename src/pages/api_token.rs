//! `/api_tokens/<id>`: everything about one token (types, creator, what it may call with each
//! deployment's access type, when it was made, last used and from where, its expiry) and its
//! actions: Regenerate (a new secret, revealed once), Edit, Delete.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api_tokens::{grantable_while, revealed_after_redirect, DeploymentPicker, Reveal, RevealAfterRedirect};
use crate::api::tokens::{
    find_api_token, ApiToken, FoundToken, ListPosition, RegenerateApiToken, UpdateApiToken, KEEP_EXPIRY, TOKEN,
};
use crate::api::AppError;
use crate::components::{
    badge::AccessBadge,
    changes::{Changes, StatusLine},
    dialog::{CloseGuard, DialogButtons, Modal},
    expiration::ExpirationField,
    focus::{FocusReturn, PAGE_HEADING},
    form::{action_error, action_output, FormError, TextArea, TextField},
    time::RelativeTime,
};
use crate::domain::{time, DeploymentId, Field, Permission, TokenId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum DialogState {
    None,
    Regenerate,
    Edit,
}

impl DialogState {
    /// The id of the control that opens this dialog, where focus returns when it closes.
    fn opener(&self) -> Option<String> {
        match self {
            DialogState::None => None,
            DialogState::Regenerate => Some(REGENERATE_BUTTON.to_owned()),
            DialogState::Edit => Some(EDIT_BUTTON.to_owned()),
        }
    }
}

const REGENERATE_BUTTON: &str = "regenerate-token";
const EDIT_BUTTON: &str = "edit-token";

#[component]
pub fn ApiTokenPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|id| id.parse::<TokenId>().ok()));
    let regenerate = ServerAction::<RegenerateApiToken>::new();
    let update = ServerAction::<UpdateApiToken>::new();
    let changes = Changes::new();
    changes.watch(regenerate, |created| format!("{TOKEN} {} regenerated.", created.token.name));
    changes.watch(update, |notice| notice.0.clone());
    let token = Resource::new(
        move || (id.get(), changes.saved()),
        |(id, _)| async move {
            match id {
                Some(id) => find_api_token(id).await,
                None => Err(AppError::NotFound(crate::api::tokens::NOT_FOUND.into())),
            }
        },
    );
    let dialog = Memo::new(move |_| {
        let query = query.read();
        if query.get("regenerate").is_some() {
            DialogState::Regenerate
        } else if query.get("edit").is_some() {
            DialogState::Edit
        } else {
            DialogState::None
        }
    });
    let focus = FocusReturn::new(changes);
    focus.follow_dialog(dialog, DialogState::opener, move || {
        regenerate.value().set(None);
        update.value().set(None);
    });
    // The token as the open dialog shows it: loaded when the dialog opens and not again when a
    // change is saved, so the reveal that follows a regenerate stays as it is.
    let in_dialog = Resource::new(
        move || (dialog.get(), id.get()),
        |(dialog, id)| async move {
            match (dialog, id) {
                (DialogState::None, _) | (_, None) => None,
                (dialog, Some(id)) => Some((dialog, find_api_token(id).await)),
            }
        },
    );
    let grantable = grantable_while(move || dialog.get() == DialogState::Edit);
    let created_without_js = revealed_after_redirect(query);
    let here = move || id.get().map(crate::api::tokens::token_href).unwrap_or_else(|| "/api_tokens".into());

    view! {
        <Title text="API Token" />
        <p class="breadcrumb">
            <a href="/api_tokens">"API Tokens"</a>
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading the token…"</p> }>
            {move || Suspend::new(async move {
                match token.await {
                    Ok(found) => view! { <TokenDetails found changes focus /> }.into_any(),
                    Err(AppError::NotFound(message)) => {
                        view! {
                            <h1 id=PAGE_HEADING tabindex="-1">
                                "Token not found"
                            </h1>
                            <p>{message}</p>
                            <a class="button primary" href="/api_tokens">
                                "Back to API tokens"
                            </a>
                        }
                            .into_any()
                    }
                    Err(err) => view! { <div class="alert error" role="alert">{err.to_string()}</div> }.into_any(),
                }
            })}
            {move || {
                let back = here();
                Suspend::new(async move {
                    let (dialog, found) = in_dialog.await?;
                    let found = found.ok()?;
                    match dialog {
                        DialogState::Regenerate => {
                            Some(view! { <RegenerateDialog found action=regenerate back /> }.into_any())
                        }
                        DialogState::Edit => {
                            let deployments = grantable.await?;
                            Some(view! { <EditDialog token=found.token deployments action=update back /> }.into_any())
                        }
                        DialogState::None => None,
                    }
                })
            }}
            <RevealAfterRedirect revealed=created_without_js back=Signal::derive(here) made="regenerated" />
        </Transition>
    }
}

#[component]
fn TokenDetails(found: FoundToken, changes: Changes, focus: FocusReturn) -> impl IntoView {
    // Rendered again after a save: focus goes back to the action's button.
    focus.restore_after_render();
    let FoundToken { token, now, may: _ } = found;
    let href = token.href();
    let delete_href = ListPosition::default().href(Some(&format!("delete={}", token.id)));
    view! {
        <header class="page-header">
            <h1 id=PAGE_HEADING tabindex="-1">
                {token.name.clone()}
            </h1>
            {if token.can_manage {
                view! {
                    <div class="page-actions">
                        <a id=REGENERATE_BUTTON class="button secondary" href=format!("{href}?regenerate")>
                            "Regenerate"
                        </a>
                        <a id=EDIT_BUTTON class="button secondary" href=format!("{href}?edit")>
                            "Edit"
                        </a>
                        <a class="button danger" href=delete_href>
                            "Delete"
                        </a>
                    </div>
                }
                    .into_any()
            } else {
                view! { <p class="muted role-note">{Permission::ManageOrganizationTokens.refusal()}</p> }.into_any()
            }}
        </header>
        <StatusLine changes />
        {(!token.description.is_empty()).then(|| view! { <p class="token-description">{token.description.clone()}</p> })}
        <Facts token now />
    }
}

/// The token's facts as a description list.
#[component]
fn Facts(token: ApiToken, now: i64) -> impl IntoView {
    let types = [(token.is_user, "User (Deployment Endpoint Access)"), (token.is_developer, "Developer (API access)")]
        .into_iter()
        .filter(|(has, _)| *has)
        .map(|(_, label)| label)
        .collect::<Vec<_>>()
        .join(", ");
    let expired = token.is_expired(now);
    let grants = if !token.is_user {
        view! { <span class="muted">"None: a Developer token calls the API, not deployments."</span> }.into_any()
    } else if token.all_deployments {
        view! { <span>"All deployments: every Protected deployment, including ones created later."</span> }.into_any()
    } else {
        view! {
            <ul class="plain-list">
                {token
                    .deployments
                    .iter()
                    .map(|d| {
                        view! {
                            <li>
                                <a class="mono" href=format!("/deployments#deployment-{}", d.name)>
                                    {d.name.clone()}
                                </a>
                                " "
                                <AccessBadge access=d.access />
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <dl class="token-facts">
            <dt>"Type"</dt>
            <dd>{types}</dd>
            <dt>"Deployments"</dt>
            <dd>{grants}</dd>
            <dt>"Token"</dt>
            <dd class="mono">{format!("{}…", token.prefix)}</dd>
            <dt>"Owner"</dt>
            <dd>
                {if token.is_organization { "The organization, created by " } else { "" }}
                {match (token.created_by.clone(), token.created_by_email.clone()) {
                    (Some(name), Some(email)) => format!("{name} ({email})"),
                    (Some(name), None) => name,
                    _ => "the command line".to_owned(),
                }}
            </dd>
            <dt>"Created"</dt>
            <dd>
                <RelativeTime at=token.created_at now />
            </dd>
            <dt>"Last used"</dt>
            <dd class="last-used">
                {match token.last_used_at {
                    Some(at) => {
                        view! {
                            <RelativeTime at now />
                            {token.last_used_from.clone().map(|from| view! { " from " <span class="mono">{from}</span> })}
                        }
                            .into_any()
                    }
                    None => view! { <span class="muted">"Never"</span> }.into_any(),
                }}
            </dd>
            <dt>"Expires"</dt>
            <dd>
                {match token.expires_at {
                    None => view! { <span>"Never"</span> }.into_any(),
                    Some(at) => {
                        view! {
                            <time datetime=time::iso8601(at) title=time::exact(at)>
                                {time::exact(at)}
                            </time>
                            " ("
                            {time::relative(at, now)}
                            ")"
                            {expired.then(|| view! { " " <span class="badge status-expired">"Expired"</span> })}
                            {token
                                .expires_soon(now)
                                .then(|| view! { " " <span class="badge status-expiring">"Expires soon"</span> })}
                        }
                            .into_any()
                    }
                }}
            </dd>
        </dl>
    }
}

/// Asks before replacing the secret, offers a new expiry, then reveals the new secret once.
#[component]
fn RegenerateDialog(found: FoundToken, action: ServerAction<RegenerateApiToken>, back: String) -> impl IntoView {
    let guard = CloseGuard::default();
    let error = action_error(action);
    let created = action_output(action);
    let FoundToken { token, now, may: _ } = found;
    let form_back = back.clone();
    view! {
        <Modal close_href=back.clone() labelled_by="token-dialog-title" guard>
            {move || match created() {
                Some(created) => {
                    view! { <Reveal created done_href=back.clone() guard made="regenerated" /> }.into_any()
                }
                _ => {
                    let token = token.clone();
                    let cancel = form_back.clone();
                    view! {
                        <ActionForm action attr:novalidate=true>
                            <h2 id="token-dialog-title">"Regenerate “" {token.name.clone()} "”?"</h2>
                            <FormError error />
                            <p>
                                "The token gets a new secret, shown once. The current secret ("
                                <span class="mono">{format!("{}…", token.prefix)}</span>
                                ") stops working at once: update everything that uses it. Name, type and deployments stay."
                            </p>
                            <input type="hidden" name="id" value=token.id.get() />
                            <ExpirationField now error keep=token.expires_at keep_value=KEEP_EXPIRY />
                            <DialogButtons cancel_href=cancel submit="Regenerate token" pending=action.pending() danger=true />
                        </ActionForm>
                    }
                        .into_any()
                }
            }}
        </Modal>
    }
}

/// Name, description and, for a User token, what it may call. The type cannot change.
#[component]
fn EditDialog(
    token: ApiToken,
    deployments: Result<crate::api::deployments::DeploymentList, AppError>,
    action: ServerAction<UpdateApiToken>,
    back: String,
) -> impl IntoView {
    let error = action_error(action);
    let chosen: Vec<DeploymentId> = token.deployments.iter().map(|d| d.id).collect();
    view! {
        <Modal close_href=back.clone() labelled_by="token-dialog-title">
            <ActionForm action>
                <h2 id="token-dialog-title">"Edit “" {token.name.clone()} "”"</h2>
                <FormError error />
                <input type="hidden" name="id" value=token.id.get() />
                <TextField id="name" label="Name" required=true value=token.name.clone() field=Field::Name error />
                <TextArea id="description" label="Description (optional)" value=token.description.clone() field=Field::Description error />
                {if token.is_user {
                    view! {
                        <input type="hidden" name="grants" value="on" />
                        <DeploymentPicker deployments error chosen all=token.all_deployments />
                    }
                        .into_any()
                } else {
                    view! {
                        <p class="muted">
                            "A Developer token calls the API, not deployments. To call deployments, create a User token."
                        </p>
                    }
                        .into_any()
                }}
                <DialogButtons cancel_href=back submit="Save" pending=action.pending() />
            </ActionForm>
        </Modal>
    }
}
