//! One module per route.

mod activity;
mod api_token;
mod api_tokens;
mod cli_login;
mod deployments;
mod join;
mod login;
mod members;
mod not_found;
mod setup;

pub use activity::ActivityPage;
pub use api_token::ApiTokenPage;
pub use api_tokens::ApiTokensPage;
pub use deployments::DeploymentsPage;
pub use join::JoinPage;
pub use login::LoginPage;
pub use members::MembersPage;
pub use not_found::NotFound;
pub use setup::SetupPage;
