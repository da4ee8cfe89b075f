-- API tokens. The secret itself is never stored: only its SHA-256 digest (the secret carries
-- 256 random bits, so an unkeyed digest cannot be reversed) and a short non-secret prefix for
-- display.

create table api_tokens (
    id              integer primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    created_by      integer references users (id) on delete set null,
    name            text not null,
    -- the name lower-cased by the application, for case-insensitive uniqueness on any database
    name_key        text not null,
    description     text not null default '',
    is_user         boolean not null,
    is_developer    boolean not null,
    digest          blob not null unique,
    prefix          text not null,
    expires_at      bigint,
    last_used_at    bigint,
    created_at      bigint not null,
    check (is_user or is_developer),
    unique (organization_id, name_key)
);

create index api_tokens_organization_created on api_tokens (organization_id, created_at);

-- Which deployments a User token may call. Deleting either side removes the grant.
create table api_token_deployments (
    token_id      integer not null references api_tokens (id) on delete cascade,
    deployment_id integer not null references deployments (id) on delete cascade,
    primary key (token_id, deployment_id)
);

create index api_token_deployments_deployment on api_token_deployments (deployment_id);
