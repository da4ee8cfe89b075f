//! A form posted without JavaScript that failed comes back with what was typed and every
//! field's error. The server seals this into a short-lived cookie on the redirect back to the
//! form (`server::form_flash`) instead of leaving the error in the URL; the next render reads
//! it, and writes it into the page as a data block so that hydration sees the same.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFlash {
    /// The server function that refused the form (`/rpc/…`).
    pub path: String,
    /// Its error, encoded as Leptos carries server-function errors.
    pub error: String,
    /// What was typed, field by field; never a password or a one-time code.
    pub values: Vec<(String, String)>,
}

impl FormFlash {
    /// The id of the page's data block.
    pub const ELEMENT_ID: &'static str = "form-flash";

    /// Whether a field's value may travel back: not passwords, not codes, not Leptos's own.
    pub fn keeps(name: &str) -> bool {
        !name.contains("password") && name != "code" && !name.starts_with("__")
    }

    /// The first value posted for `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Whether `value` was posted for `name` (a ticked checkbox or radio button).
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.values.iter().any(|(key, posted)| key == name && posted == value)
    }

    /// As JSON for a `<script type="application/json">` block: `<` is escaped, so no value
    /// can close the element.
    pub fn to_script_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default().replace('<', "\\u003c")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_codes_stay_behind_and_nothing_closes_the_script() {
        assert!(FormFlash::keeps("email") && FormFlash::keeps("deployment_ids[]"));
        assert!(!FormFlash::keeps("password") && !FormFlash::keeps("password_confirmation"));
        assert!(!FormFlash::keeps("code") && !FormFlash::keeps("__path"));
        let flash = FormFlash {
            path: "/rpc/x".into(),
            error: "e".into(),
            values: vec![("name".into(), "</script><script>alert(1)</script>".into())],
        };
        let json = flash.to_script_json();
        assert!(!json.contains('<'), "{json}");
        assert_eq!(serde_json::from_str::<FormFlash>(&json).unwrap(), flash);
    }
}
