-- Teams: members' roles, removal that keeps a member's name, organization tokens, invitations
-- and the activity log.

-- Admin, Developer or Endpoint User (BentoCloud's roles). Admins were the only distinction so far.
alter table users add column role text not null default 'developer'
    check (role in ('admin', 'developer', 'endpoint_user'));
update users set role = 'admin' where is_admin;
alter table users drop column is_admin;
alter table users add column last_sign_in_at bigint;
-- A removed member keeps their row, so their name stays on the activity log and on the
-- organization tokens they created; they cannot sign in, and their personal tokens are deleted.
alter table users add column removed_at bigint;

-- Personal tokens belong to `created_by`; organization tokens to the organization (created_by
-- is then only who created it).
alter table api_tokens add column is_organization boolean not null default false;
create index api_tokens_created_by on api_tokens (created_by);

-- Invitations to join: a one-time code, stored only as its SHA-256 digest.
create table invitations (
    id              integer primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    email           text not null,
    name            text not null,
    role            text not null check (role in ('admin', 'developer', 'endpoint_user')),
    digest          blob not null unique,
    invited_by      integer references users (id) on delete set null,
    created_at      bigint not null,
    expires_at      bigint not null,
    accepted_at     bigint,
    revoked_at      bigint
);

create index invitations_organization on invitations (organization_id, created_at);

-- Who did what, when, from where. Names are copied in, so the record outlives renames and
-- removals; nothing here is ever a secret (tokens appear by their display prefix).
create table events (
    id              integer primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    at              bigint not null,
    actor_id        integer references users (id) on delete set null,
    actor_name      text not null,
    token_prefix    text,
    kind            text not null,
    subject         text not null default '',
    detail          text not null default '',
    client          text
);

create index events_organization_at on events (organization_id, at);
create index events_at on events (at);
