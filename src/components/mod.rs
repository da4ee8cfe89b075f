//! Reusable views. Components never touch the database; they call server functions.

pub mod badge;
pub mod changes;
pub mod copy;
pub mod dialog;
pub mod expiration;
pub mod flash;
pub mod focus;
pub mod form;
pub mod shell;
pub mod time;
