-- Browser sign-ins of the bentoml CLI (`bentoml cloud login`, "Create a new API token with a
-- web browser"). The CLI asks for a code, a signed-in member confirms it on the API Tokens page,
-- which creates a Developer token, and the CLI collects that token once by polling with the
-- code. The code is stored only as its SHA-256 digest. Between confirmation and collection the
-- token's secret is kept encrypted (AES-256-GCM) with a key derived from the code, which only
-- the CLI (and the browser that opened its link) knows; collection erases it.

create table cli_logins (
    digest          bytea primary key,
    requested_at    bigint not null,
    -- the address the CLI asked from, shown on the confirmation page
    requested_from  text not null,
    expires_at      bigint not null,
    state           text not null default 'pending'
                    check (state in ('pending', 'approved', 'declined', 'collected')),
    answered_by     bigint references users (id) on delete set null,
    answered_at     bigint,
    token_id        bigint references api_tokens (id) on delete set null,
    sealed_secret   bytea
);

create index cli_logins_expires_at on cli_logins (expires_at);
