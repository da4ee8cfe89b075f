//! Integration tests: the real application on an ephemeral port with a temporary SQLite
//! database, driven over real HTTP. All files build into one test binary.

mod auth;
mod cli;
mod cli_login;
mod connections;
mod database;
mod deployments;
mod entrance;
mod gateway;
mod headers;
mod helpers;
mod listeners;
mod logs;
mod process;
mod replicas;
mod rest;
mod setup;
mod teams;
mod token_lifecycle;
mod tokens;
