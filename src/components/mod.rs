//! Reusable views. Components never touch the database; they call server functions.

pub mod form;
pub mod shell;
