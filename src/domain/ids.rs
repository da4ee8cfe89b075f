//! Record ids as types of their own, so a token id cannot be passed where a deployment id is
//! meant. They are what the database stores (a 64-bit integer) and what the wire carries (a
//! plain number), and nothing more: an id says which record, never that the caller may see it
//! (every lookup is scoped to the caller's organization).

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(i64);

        impl $name {
            /// An id as stored or sent; whether such a record exists is the lookup's business.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                raw.parse().map(Self)
            }
        }
    };
}

id!(
    /// An organization.
    OrganizationId
);
id!(
    /// A member of an organization.
    UserId
);
id!(
    /// An API token.
    TokenId
);
id!(
    /// A deployment.
    DeploymentId
);
