-- Token lifecycle: User tokens for every Protected deployment of the organization ("All
-- deployments", including ones created later), and the address a token was last used from.

alter table api_tokens add column all_deployments boolean not null default false;
alter table api_tokens add column last_used_from text;

-- Expiring and expired tokens are filtered and counted per organization.
create index api_tokens_organization_expires on api_tokens (organization_id, expires_at);
