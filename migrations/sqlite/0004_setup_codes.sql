-- One-time first-run setup codes, stored only as SHA-256 digests. Every replica that starts on
-- a database without users prints a link of its own; any of them works, once, on any replica.
-- First-run setup deletes them all in the transaction that creates the first admin.

create table setup_codes (
    digest      blob primary key,
    created_at  bigint not null
);
