-- Deployments: running Bento services the console fronts, each with an endpoint access type.

create table deployments (
    id              integer primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    -- a DNS label, stored lower-cased (DeploymentName::parse), so uniqueness ignores case
    name            text not null,
    description     text not null default '',
    upstream_url    text not null,
    access          text not null default 'protected' check (access in ('private', 'protected', 'public')),
    created_by      integer references users (id) on delete set null,
    created_at      bigint not null,
    updated_at      bigint not null,
    unique (organization_id, name)
);
