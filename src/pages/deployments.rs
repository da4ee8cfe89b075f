//! `/deployments`: the list, and Create / Edit / Delete in modal dialogs opened through the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::deployments::{
    list_deployments, CreateDeployment, DeleteDeployment, Deployment, DeploymentList, UpdateDeployment, UpstreamHealth,
};
use crate::components::{
    badge::AccessBadge,
    changes::{Changes, StatusLine},
    copy::CopyButton,
    dialog::{DialogButtons, Modal},
    focus::{FocusReturn, PAGE_HEADING},
    form::{action_error, Choice, FieldError, FormError, FormErrorSignal, TextArea, TextField},
    time::RelativeTime,
};
use crate::domain::{AccessType, Field, Permission};

const PAGE: &str = "/deployments";

/// Which dialog the URL asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DialogState {
    None,
    Create,
    Edit(String),
    Delete(String),
}

impl DialogState {
    /// The id of the control that opens this dialog, where focus returns when it closes.
    fn opener(&self) -> Option<String> {
        match self {
            DialogState::None => None,
            DialogState::Create => Some(CREATE_BUTTON.to_owned()),
            DialogState::Edit(name) => Some(format!("edit-{name}")),
            DialogState::Delete(name) => Some(format!("delete-{name}")),
        }
    }
}

const CREATE_BUTTON: &str = "create-deployment";

#[component]
pub fn DeploymentsPage() -> impl IntoView {
    let create = ServerAction::<CreateDeployment>::new();
    let update = ServerAction::<UpdateDeployment>::new();
    let delete = ServerAction::<DeleteDeployment>::new();
    let changes = Changes::new();
    changes.watch(create, |notice| notice.0.clone());
    changes.watch(update, |notice| notice.0.clone());
    changes.watch(delete, |notice| notice.0.clone());
    let deployments = Resource::new(move || changes.saved(), |_| list_deployments());
    let query = use_query_map();
    let dialog = Memo::new(move |_| {
        let query = query.read();
        if let Some(name) = query.get("edit") {
            DialogState::Edit(name)
        } else if let Some(name) = query.get("delete") {
            DialogState::Delete(name)
        } else if query.get("create").is_some() {
            DialogState::Create
        } else {
            DialogState::None
        }
    });
    let focus = FocusReturn::new(changes);
    focus.follow_dialog(dialog, DialogState::opener, move || {
        create.value().set(None);
        update.value().set(None);
        delete.value().set(None);
    });

    view! {
        <Title text="Deployments" />
        <header class="page-header">
            <h1 id=PAGE_HEADING tabindex="-1">
                "Deployments"
            </h1>
            // Offered only to roles that may create one (the server checks anyway).
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    deployments
                        .await
                        .ok()
                        .filter(|list| list.may_manage)
                        .map(|_| {
                            view! {
                                <a id=CREATE_BUTTON class="button primary" href="/deployments?create">
                                    "Create"
                                </a>
                            }
                        })
                })}
            </Transition>
        </header>
        <StatusLine changes />
        <Transition fallback=|| view! { <p class="muted">"Loading deployments…"</p> }>
            {move || Suspend::new(async move {
                match deployments.await {
                    Ok(list) => {
                        view! {
                            <DeploymentTable list=list.clone() focus />
                            <DeploymentDialogs list dialog create update delete />
                        }
                            .into_any()
                    }
                    Err(err) => view! { <div class="alert error" role="alert">{err.to_string()}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeploymentTable(list: DeploymentList, focus: FocusReturn) -> impl IntoView {
    focus.restore_after_render();
    let may_manage = list.may_manage;
    let read_only = (!may_manage).then(|| {
        view! { <p class="muted role-note">{Permission::ManageDeployments.refusal()}" You can view them and call Protected ones with a User token."</p> }
    });
    if list.items.is_empty() {
        return view! {
            <section class="empty-state">
                <h2>"No deployments yet"</h2>
                <p>
                    "A deployment is a running Bento service (for example "<code>"bentoml serve"</code>
                    ") that this console fronts. Its endpoint access type decides who may call it from outside."
                </p>
                {read_only}
                {may_manage
                    .then(|| {
                        view! {
                            <a class="button primary" href="/deployments?create">
                                "Create a deployment"
                            </a>
                        }
                    })}
            </section>
        }
        .into_any();
    }
    let now = list.now;
    view! {
        {read_only}
        <div class="table-wrap">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Access"</th>
                        <th scope="col">"External URL"</th>
                        <th scope="col">"Upstream"</th>
                        <th scope="col">"Created by"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .items
                        .into_iter()
                        .map(|deployment| view! { <DeploymentRow deployment now may_manage /> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn DeploymentRow(deployment: Deployment, now: i64, may_manage: bool) -> impl IntoView {
    let name = deployment.name.clone();
    let external = match deployment.external_url.clone() {
        Some(url) => view! {
            <a class="mono small url" href=url.clone()>{url.clone()}</a>
            <CopyButton value=url label=format!("external URL of {}", deployment.name) />
        }
        .into_any(),
        None => view! { <span class="muted">"None (Private: reachable only inside the cluster)"</span> }.into_any(),
    };
    view! {
        <tr id=format!("deployment-{name}")>
            <th scope="row" tabindex="-1">
                <span class="mono strong">{name.clone()}</span>
                <Show when={
                    let has = !deployment.description.is_empty();
                    move || has
                }>
                    <p class="cell-note">{deployment.description.clone()}</p>
                </Show>
            </th>
            <td data-label="Access">
                <AccessBadge access=deployment.access />
            </td>
            <td class="url-cell" data-label="External URL">{external}</td>
            <td data-label="Upstream">
                <span class="mono small">{deployment.upstream_url.clone()}</span>
                <UpstreamStatus health=deployment.health.clone() now />
            </td>
            <td data-label="Created by">{deployment.created_by.clone().unwrap_or_else(|| "Command line".into())}</td>
            <td data-label="Created">
                <RelativeTime at=deployment.created_at now />
            </td>
            <td class="row-actions">
                {may_manage
                    .then(|| {
                        view! {
                            <a id=format!("edit-{name}") class="button link" href=format!("{PAGE}?edit={name}") aria-label=format!("Edit {name}")>
                                "Edit"
                            </a>
                            <a
                                id=format!("delete-{name}")
                                class="button link danger-text"
                                href=format!("{PAGE}?delete={name}")
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

/// Whether the upstream answered its last health check, and when.
#[component]
fn UpstreamStatus(health: Option<UpstreamHealth>, now: i64) -> impl IntoView {
    match health {
        None => view! { <p class="health muted">"Not checked yet"</p> }.into_any(),
        Some(health) => {
            let (class, word) =
                if health.answered { ("health up", "Answering") } else { ("health down", "Not answering") };
            // Short in the table; the status or reason is in the tooltip and read out.
            let tooltip = health.detail.clone();
            view! {
                <p class=class title=tooltip>
                    <span class="health-dot" aria-hidden="true"></span>
                    {word}
                    <span class="visually-hidden">" (" {health.detail} ")"</span>
                    ", checked "
                    <RelativeTime at=health.checked_at now />
                </p>
            }
            .into_any()
        }
    }
}

#[component]
fn DeploymentDialogs(
    list: DeploymentList,
    dialog: Memo<DialogState>,
    create: ServerAction<CreateDeployment>,
    update: ServerAction<UpdateDeployment>,
    delete: ServerAction<DeleteDeployment>,
) -> impl IntoView {
    let may_manage = list.may_manage;
    let find = move |name: &str| list.items.iter().find(|d| d.name == name).cloned();
    move || match dialog.get() {
        DialogState::None => ().into_any(),
        // An old link, or a role that lost the right: the dialogs are not offered.
        _ if !may_manage => ().into_any(),
        DialogState::Create => view! { <CreateDialog action=create /> }.into_any(),
        DialogState::Edit(name) => match find(&name) {
            Some(deployment) => view! { <EditDialog deployment action=update /> }.into_any(),
            None => view! { <MissingDialog name /> }.into_any(),
        },
        DialogState::Delete(name) => match find(&name) {
            Some(deployment) => view! { <DeleteDialog deployment action=delete /> }.into_any(),
            None => view! { <MissingDialog name /> }.into_any(),
        },
    }
}

#[component]
fn CreateDialog(action: ServerAction<CreateDeployment>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <Modal close_href=PAGE labelled_by="deployment-dialog-title">
            <ActionForm action>
                <h2 id="deployment-dialog-title">"Create deployment"</h2>
                <FormError error />
                <TextField
                    id="name"
                    label="Name"
                    autofocus=true
                    required=true
                    hint="Lowercase letters, digits and hyphens; it becomes part of the deployment's URL and cannot be changed later."
                    field=Field::Name
                    error
                />
                <DeploymentFields deployment=None error />
                <DialogButtons cancel_href=PAGE submit="Create" pending=action.pending() />
            </ActionForm>
        </Modal>
    }
}

#[component]
fn EditDialog(deployment: Deployment, action: ServerAction<UpdateDeployment>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <Modal close_href=PAGE labelled_by="deployment-dialog-title">
            <ActionForm action>
                <h2 id="deployment-dialog-title">"Edit " <span class="mono">{deployment.name.clone()}</span></h2>
                <FormError error />
                <input type="hidden" name="id" value=deployment.id.get() />
                <DeploymentFields deployment=Some(deployment) error />
                <DialogButtons cancel_href=PAGE submit="Save changes" pending=action.pending() />
            </ActionForm>
        </Modal>
    }
}

/// Description, upstream URL and access type: what both Create and Edit ask for.
#[component]
fn DeploymentFields(deployment: Option<Deployment>, error: FormErrorSignal) -> impl IntoView {
    let access = deployment.as_ref().map(|d| d.access).unwrap_or_default();
    let upstream = deployment.as_ref().map(|d| d.upstream_url.clone());
    let description = deployment.map(|d| d.description);
    view! {
        <TextField
            id="upstream_url"
            label="Upstream URL"
            input_type="url"
            required=true
            value=upstream.unwrap_or_default()
            hint="Where the Bento service listens, e.g. http://127.0.0.1:3000 for bentoml serve."
            field=Field::UpstreamUrl
            error
        />
        <TextArea id="description" label="Description (optional)" value=description.unwrap_or_default() field=Field::Description error />
        <fieldset class="choices">
            <legend>"Endpoint access type"</legend>
            {AccessType::ALL
                .into_iter()
                .map(|choice| {
                    view! {
                        <Choice
                            input_type="radio"
                            id=format!("access-{}", choice.as_str())
                            name="access"
                            value=choice.as_str()
                            checked=choice == access
                            title=choice.label()
                            note=choice.explanation()
                        />
                    }
                })
                .collect_view()}
            <FieldError field=Field::AccessType error />
        </fieldset>
    }
}

#[component]
fn DeleteDialog(deployment: Deployment, action: ServerAction<DeleteDeployment>) -> impl IntoView {
    let error = action_error(action);
    let consequence = match deployment.token_count {
        0 => "No API tokens are granted access to it.".to_owned(),
        1 => "1 API token will lose access to it.".to_owned(),
        n => format!("{n} API tokens will lose access to it."),
    };
    view! {
        <Modal close_href=PAGE labelled_by="deployment-dialog-title">
            <ActionForm action>
                <h2 id="deployment-dialog-title">"Delete deployment " <span class="mono">{deployment.name.clone()}</span> "?"</h2>
                <FormError error />
                <p>"Its external URL stops working at once. " {consequence}</p>
                <input type="hidden" name="id" value=deployment.id.get() />
                <DialogButtons cancel_href=PAGE submit="Delete deployment" pending=action.pending() danger=true />
            </ActionForm>
        </Modal>
    }
}

#[component]
fn MissingDialog(name: String) -> impl IntoView {
    view! {
        <Modal close_href=PAGE labelled_by="deployment-dialog-title">
            <h2 id="deployment-dialog-title">"Deployment not found"</h2>
            <p>"There is no deployment named " <span class="mono">{name}</span> "; it may have been deleted."</p>
            <div class="dialog-buttons">
                <a class="button primary" href=PAGE autofocus>
                    "Back to deployments"
                </a>
            </div>
        </Modal>
    }
}
