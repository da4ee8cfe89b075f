-- Accounts: the organization this console serves, its users, their sessions and sign-in throttling.
-- Times are Unix seconds (BIGINT) so the schema carries over to PostgreSQL unchanged.

create table organizations (
    id          integer primary key,
    name        text not null,
    slug        text not null unique,
    created_at  bigint not null
);

create table users (
    id              integer primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    -- stored lower-cased by the application (Email::parse), so uniqueness ignores case
    email           text not null unique,
    name            text not null,
    -- argon2id PHC string; never the password
    password_hash   text not null,
    is_admin        boolean not null default false,
    created_at      bigint not null
);

create index users_organization_id on users (organization_id);

-- tower-sessions' schema (tower-sessions-sqlx-store), kept here so `migrate` creates everything.
create table if not exists tower_sessions (
    id          text primary key not null,
    data        blob not null,
    expiry_date integer not null
);

-- Failed sign-ins per key ("email:<address>" or "ip:<address>").
create table login_throttle (
    key             text primary key,
    failures        integer not null,
    window_started  bigint not null,
    locked_until    bigint not null
);
