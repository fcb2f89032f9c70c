//! The destination settings (`authentication.fields` of index.ts): `api_key`, `server_token`.

use std::fmt;

use usermaven_json::Value;

use crate::ActionError;

/// Validated settings. Both values end up in the request URL, so `Debug` redacts them.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    pub(crate) api_key: String,
    pub(crate) server_token: String,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Settings { api_key: **REDACTED**, server_token: **REDACTED** }")
    }
}

impl Settings {
    pub fn new(api_key: impl Into<String>, server_token: impl Into<String>) -> Settings {
        Settings {
            api_key: api_key.into(),
            server_token: server_token.into(),
        }
    }

    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    pub fn server_token(&self) -> &str {
        &self.server_token
    }

    /// Settings as Segment stores them (a JSON object), validated as the reference does:
    /// strings required, scalars coerced to strings, `null` coerced to `""`, unknown keys dropped.
    pub fn from_value(v: &Value) -> Result<Settings, ActionError> {
        let obj = v.as_object().ok_or_else(|| {
            ActionError::new(
                "AggregateAjvError",
                "The root value must be an object but it was not.",
            )
        })?;
        let mut errors = Vec::new();
        let mut field = |name: &str, label: &str| -> String {
            match obj.get(name) {
                None => {
                    errors.push(format!(
                        "The root value is missing the required field '{name}'."
                    ));
                    String::new()
                }
                Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.to_string(),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_js_string(),
                Some(Value::Array(a))
                    if a.len() == 1 && !matches!(a[0], Value::Array(_) | Value::Object(_)) =>
                {
                    if a[0].is_null() {
                        String::new()
                    } else {
                        a[0].to_js_string()
                    }
                }
                Some(other) => {
                    let t = if matches!(other, Value::Array(_)) {
                        "an array"
                    } else {
                        "an object"
                    };
                    errors.push(format!("{label} must be a string but it was {t}."));
                    String::new()
                }
            }
        };
        let api_key = field("api_key", "API Key");
        let server_token = field("server_token", "Server Token");
        if errors.is_empty() {
            Ok(Settings {
                api_key,
                server_token,
            })
        } else {
            Err(ActionError::new("AggregateAjvError", errors.join(" ")))
        }
    }
}
