//! `/members` (admins): the organization's members with their roles, pending invitations,
//! Invite (a one-time link, shown once), role changes and Remove.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::members::{
    list_members, take_revealed_invitation, CreatedInvitation, InviteMember, Member, MemberList, RemoveMember,
    RevokeInvitation, SetMemberRole, MEMBERS,
};
use crate::components::{
    changes::{Changes, StatusLine},
    copy::CopyField,
    dialog::{DialogButtons, Modal},
    focus::{FocusReturn, PAGE_HEADING},
    form::{action_error, action_output, Choice, FieldError, FormError, TextField},
    time::RelativeTime,
};
use crate::domain::{Field, Role, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
enum DialogState {
    None,
    Invite,
    Remove(UserId),
}

impl DialogState {
    fn opener(&self) -> Option<String> {
        match self {
            DialogState::None => None,
            DialogState::Invite => Some(INVITE_BUTTON.to_owned()),
            DialogState::Remove(id) => Some(format!("remove-{id}")),
        }
    }
}

const INVITE_BUTTON: &str = "invite-member";

#[component]
pub fn MembersPage() -> impl IntoView {
    let invite = ServerAction::<InviteMember>::new();
    let set_role = ServerAction::<SetMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let changes = Changes::new();
    changes.watch(invite, |created| format!("Invitation for {} created.", created.invitation.email));
    changes.watch(set_role, |notice| notice.0.clone());
    changes.watch(remove, |notice| notice.0.clone());
    changes.watch(revoke, |notice| notice.0.clone());
    let members = Resource::new(move || changes.saved(), |_| list_members());
    let query = use_query_map();
    let dialog = Memo::new(move |_| {
        let query = query.read();
        if let Some(id) = query.get("remove").and_then(|id| id.parse().ok()) {
            DialogState::Remove(id)
        } else if query.get("invite").is_some() {
            DialogState::Invite
        } else {
            DialogState::None
        }
    });
    let focus = FocusReturn::new(changes);
    focus.follow_dialog(dialog, DialogState::opener, move || {
        invite.value().set(None);
        remove.value().set(None);
    });
    // An invitation made by a form posted without JavaScript, shown once after the redirect.
    let invited_without_js = Resource::new(
        move || query.read().get("invited").is_some(),
        |invited| async move {
            if invited {
                take_revealed_invitation().await.ok().flatten()
            } else {
                None
            }
        },
    );
    let role_error = action_error(set_role);
    let revoke_error = action_error(revoke);
    view! {
        <Title text="Members" />
        <header class="page-header">
            <h1 id=PAGE_HEADING tabindex="-1">
                "Members"
            </h1>
            <a id=INVITE_BUTTON class="button primary" href=format!("{MEMBERS}?invite")>
                "Invite"
            </a>
        </header>
        <StatusLine changes />
        <FormError error=role_error />
        <FormError error=revoke_error />
        <Transition fallback=|| view! { <p class="muted">"Loading members…"</p> }>
            {move || Suspend::new(async move {
                match members.await {
                    Ok(list) => {
                        let doomed = match dialog.get() {
                            DialogState::Remove(id) => list.members.iter().find(|m| m.id == id).cloned(),
                            _ => None,
                        };
                        view! {
                            <MemberTable list=list.clone() set_role focus />
                            <Invitations list revoke />
                            {doomed.map(|member| view! { <RemoveDialog member action=remove /> })}
                        }
                            .into_any()
                    }
                    Err(err) => view! { <div class="alert error" role="alert">{err.to_string()}</div> }.into_any(),
                }
            })}
        </Transition>
        {move || (dialog.get() == DialogState::Invite).then(|| view! { <InviteDialog action=invite /> })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                invited_without_js
                    .await
                    .map(|created| {
                        view! {
                            <Modal close_href=MEMBERS labelled_by="member-dialog-title">
                                <InvitationLink created />
                            </Modal>
                        }
                    })
            })}
        </Suspense>
    }
}

#[component]
fn MemberTable(list: MemberList, set_role: ServerAction<SetMemberRole>, focus: FocusReturn) -> impl IntoView {
    focus.restore_after_render();
    let now = list.now;
    view! {
        <div class="table-wrap">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Joined"</th>
                        <th scope="col">"Last sign-in"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {list.members.into_iter().map(|member| view! { <MemberRow member now set_role /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn MemberRow(member: Member, now: i64, set_role: ServerAction<SetMemberRole>) -> impl IntoView {
    let select_id = format!("role-{}", member.id);
    let label = format!("Role of {}", member.name);
    let current = member.role;
    view! {
        <tr id=format!("member-{}", member.id)>
            <th scope="row" tabindex="-1">
                <span class="strong">{member.name.clone()}</span>
                {member.is_you.then(|| view! { <span class="muted">" (you)"</span> })}
            </th>
            <td class="mono small" data-label="Email">{member.email.clone()}</td>
            <td data-label="Role">
                <ActionForm action=set_role attr:class="inline-form">
                    <input type="hidden" name="id" value=member.id.get() />
                    <label for=select_id.clone() class="visually-hidden">{label}</label>
                    <select id=select_id name="role">
                        {Role::ALL
                            .into_iter()
                            .map(|role| view! { <option value=role.as_str() selected=role == current>{role.label()}</option> })
                            .collect_view()}
                    </select>
                    <button type="submit" class="button link">"Change"</button>
                </ActionForm>
            </td>
            <td data-label="Joined">
                <RelativeTime at=member.joined_at now />
            </td>
            <td data-label="Last sign-in">
                {match member.last_sign_in_at {
                    Some(at) => view! { <RelativeTime at now /> }.into_any(),
                    None => view! { <span class="muted">"Never"</span> }.into_any(),
                }}
            </td>
            <td class="row-actions">
                <a
                    id=format!("remove-{}", member.id)
                    class="button link danger-text"
                    href=format!("{MEMBERS}?remove={}", member.id)
                    aria-label=format!("Remove {}", member.name)
                >
                    "Remove"
                </a>
            </td>
        </tr>
    }
}

#[component]
fn Invitations(list: MemberList, revoke: ServerAction<RevokeInvitation>) -> impl IntoView {
    let now = list.now;
    view! {
        <section class="section" aria-labelledby="invitations-heading">
            <h2 id="invitations-heading">"Pending invitations"</h2>
            {if list.invitations.is_empty() {
                view! { <p class="muted">"No pending invitations. Invite someone to give them a one-time link to join."</p> }
                    .into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data-table">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Email"</th>
                                    <th scope="col">"Role"</th>
                                    <th scope="col">"Invited by"</th>
                                    <th scope="col">"Expires"</th>
                                    <th scope="col">
                                        <span class="visually-hidden">"Actions"</span>
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                {list
                                    .invitations
                                    .into_iter()
                                    .map(|invitation| {
                                        view! {
                                            <tr>
                                                <th scope="row">{invitation.name.clone()}</th>
                                                <td class="mono small" data-label="Email">{invitation.email.clone()}</td>
                                                <td data-label="Role">{invitation.role.label()}</td>
                                                <td data-label="Invited by">{invitation.invited_by.clone().unwrap_or_else(|| "Command line".into())}</td>
                                                <td data-label="Expires">
                                                    <RelativeTime at=invitation.expires_at now />
                                                </td>
                                                <td class="row-actions">
                                                    <ActionForm action=revoke>
                                                        <input type="hidden" name="id" value=invitation.id />
                                                        <button type="submit" class="button link danger-text" aria-label=format!("Revoke the invitation for {}", invitation.email)>
                                                            "Revoke"
                                                        </button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn InviteDialog(action: ServerAction<InviteMember>) -> impl IntoView {
    let error = action_error(action);
    let created = action_output(action);
    view! {
        <Modal close_href=MEMBERS labelled_by="member-dialog-title">
            {move || match created() {
                Some(created) => view! { <InvitationLink created /> }.into_any(),
                _ => {
                    view! {
                        <ActionForm action>
                            <h2 id="member-dialog-title">"Invite a member"</h2>
                            <FormError error />
                            <TextField id="name" label="Name" autocomplete="off" autofocus=true required=true field=Field::Name error />
                            <TextField id="email" label="Email" input_type="email" autocomplete="off" required=true field=Field::Email error />
                            <fieldset class="choices">
                                <legend>"Role"</legend>
                                {Role::ALL
                                    .into_iter()
                                    .map(|role| {
                                        view! {
                                            <Choice
                                                input_type="radio"
                                                id=format!("invite-role-{}", role.as_str())
                                                name="role"
                                                value=role.as_str()
                                                checked=role == Role::Developer
                                                title=role.label()
                                                note=role.explanation()
                                            />
                                        }
                                    })
                                    .collect_view()}
                                <FieldError field=Field::Role error />
                            </fieldset>
                            <DialogButtons cancel_href=MEMBERS submit="Create invitation link" pending=action.pending() />
                        </ActionForm>
                    }
                        .into_any()
                }
            }}
        </Modal>
    }
}

/// The one-time link, shown once: the console has no mail, so the admin passes it on.
#[component]
fn InvitationLink(created: CreatedInvitation) -> impl IntoView {
    let CreatedInvitation { invitation, link } = created;
    view! {
        <h2 id="member-dialog-title">"Invitation link for " {invitation.name.clone()}</h2>
        <p class="alert warning">
            "Send this link to "<strong>{invitation.email.clone()}</strong>
            ". It works once, for 7 days, and will not be shown again."
        </p>
        <CopyField id="invitation-link".into() label="Invitation link".into() value=link />
        <div class="dialog-buttons">
            <a class="button primary" href=MEMBERS autofocus>
                "Done"
            </a>
        </div>
    }
}

#[component]
fn RemoveDialog(member: Member, action: ServerAction<RemoveMember>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <Modal close_href=MEMBERS labelled_by="member-dialog-title">
            <ActionForm action>
                <h2 id="member-dialog-title">"Remove " {member.name.clone()} "?"</h2>
                <FormError error />
                <p>
                    "Their sessions end and their personal API tokens are deleted, effective on the next request. "
                    "Their name stays on the activity log and on organization tokens they created."
                </p>
                <input type="hidden" name="id" value=member.id.get() />
                <DialogButtons cancel_href=MEMBERS submit="Remove member" pending=action.pending() danger=true />
            </ActionForm>
        </Modal>
    }
}
