//! One module per route.

mod api_token;
mod api_tokens;
mod cli_login;
mod deployments;
mod login;
mod not_found;
mod setup;

pub use api_token::ApiTokenPage;
pub use api_tokens::ApiTokensPage;
pub use deployments::DeploymentsPage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use setup::SetupPage;
