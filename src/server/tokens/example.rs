//! A `curl` call that works, for a User token's reveal: a real route of the deployment and a
//! request body built from its schema, read from the OpenAPI document its upstream serves
//! (BentoML services serve one at `/docs.json`). Without one, the call says what to fill in.

use serde_json::{Map, Value};

/// Where BentoML services serve their OpenAPI document.
pub const DOCUMENT_PATH: &str = "/docs.json";
/// An OpenAPI document larger than this is not read.
pub const DOCUMENT_LIMIT: usize = 1024 * 1024;

/// A route to call and, when it takes JSON, an example body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleCall {
    pub method: &'static str,
    pub path: String,
    pub body: Option<String>,
}

/// The first route that takes a POST (a BentoML API), with a body from its JSON schema.
pub fn from_document(document: &Value) -> Option<ExampleCall> {
    let paths = document.get("paths")?.as_object()?;
    let (path, operation) = paths.iter().find_map(|(path, item)| Some((path, item.get("post")?)))?;
    let schema = operation.pointer("/requestBody/content/application~1json/schema");
    let body = schema.map(|schema| example(document, schema, 0).to_string());
    Some(ExampleCall { method: "POST", path: path.clone(), body })
}

/// An example value for `schema`: its own example or default, else a plain value of its type.
/// `$ref`s are followed within the document, to a bounded depth (schemas can be recursive).
fn example(document: &Value, schema: &Value, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference.strip_prefix('#').and_then(|pointer| document.pointer(pointer));
        return target.map_or(Value::Null, |target| example(document, target, depth + 1));
    }
    for key in ["example", "default", "const"] {
        if let Some(value) = schema.get(key) {
            return value.clone();
        }
    }
    let first = |key: &str| schema.get(key).and_then(Value::as_array).and_then(|values| values.first());
    if let Some(value) = first("examples").or_else(|| first("enum")) {
        return value.clone();
    }
    if let Some(variant) = first("allOf").or_else(|| first("anyOf")).or_else(|| first("oneOf")) {
        return example(document, variant, depth + 1);
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let fields: Map<String, Value> =
            properties.iter().map(|(name, property)| (name.clone(), example(document, property, depth + 1))).collect();
        return Value::Object(fields);
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => Value::String(String::new()),
        Some("integer" | "number") => Value::from(0),
        Some("boolean") => Value::Bool(false),
        Some("array") => {
            let item = schema.get("items").map(|items| example(document, items, depth + 1));
            Value::Array(item.into_iter().collect())
        }
        Some("object") => Value::Object(Map::new()),
        _ => Value::Null,
    }
}

/// The `curl` command for `call` at `url` with `secret`; `None` means no document was found.
pub fn curl(url: &str, secret: &str, call: Option<&ExampleCall>) -> String {
    let auth = format!("-H \"Authorization: Bearer {secret}\"");
    match call {
        Some(ExampleCall { method, path, body: Some(body) }) => format!(
            "curl -X {method} \"{url}{path}\" \\\n  -H \"Content-Type: application/json\" \\\n  {auth} \\\n  --data '{}'",
            body.replace('\'', "'\\''")
        ),
        Some(ExampleCall { method, path, body: None }) => format!("curl -X {method} \"{url}{path}\" \\\n  {auth}"),
        None => format!("curl \"{url}/YOUR_ROUTE\" \\\n  {auth}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The shape of a BentoML service's `/docs.json` (trimmed): infrastructure GETs first, then
    /// an API whose input schema is a `$ref`.
    fn bentoml_document() -> Value {
        json!({
            "openapi": "3.0.2",
            "paths": {
                "/healthz": { "get": {} },
                "/summarize": { "post": { "requestBody": { "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Summarize" } } } } } }
            },
            "components": { "schemas": { "Summarize": {
                "type": "object",
                "properties": {
                    "text": { "type": "string", "default": "Breaking news: it's sunny." },
                    "max_length": { "type": "integer" },
                    "options": { "$ref": "#/components/schemas/Options" }
                }
            }, "Options": { "type": "object", "properties": { "greedy": { "type": "boolean" }, "tags": { "type": "array", "items": { "type": "string", "enum": ["a", "b"] } } } } } }
        })
    }

    #[test]
    fn the_first_post_route_with_a_body_from_its_schema() {
        let call = from_document(&bentoml_document()).unwrap();
        assert_eq!((call.method, call.path.as_str()), ("POST", "/summarize"));
        let body: Value = serde_json::from_str(call.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({ "text": "Breaking news: it's sunny.", "max_length": 0, "options": { "greedy": false, "tags": ["a"] } })
        );
    }

    #[test]
    fn no_post_route_no_call_and_recursive_schemas_end() {
        assert_eq!(from_document(&json!({ "paths": { "/healthz": { "get": {} } } })), None);
        assert_eq!(from_document(&json!({ "openapi": "3.0.2" })), None);
        let recursive = json!({
            "paths": { "/tree": { "post": { "requestBody": { "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/Node" } } } } } } },
            "components": { "schemas": { "Node": { "properties": { "child": { "$ref": "#/components/schemas/Node" } } } } }
        });
        assert!(from_document(&recursive).unwrap().body.unwrap().contains("null"));
    }

    #[test]
    fn the_command_quotes_the_body_for_a_shell() {
        let call = from_document(&bentoml_document()).unwrap();
        let command = curl("http://summarize.org.apps.example.com", "bcst_x", Some(&call));
        assert!(command.starts_with("curl -X POST \"http://summarize.org.apps.example.com/summarize\""), "{command}");
        assert!(command.contains(r#"it'\''s sunny"#), "a quote in the body cannot end the shell string: {command}");
        assert!(command.contains("-H \"Authorization: Bearer bcst_x\""));
        assert!(curl("http://u", "bcst_x", None).contains("/YOUR_ROUTE"));
    }
}
