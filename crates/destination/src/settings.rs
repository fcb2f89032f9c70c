//! The destination settings (`authentication.fields` of index.ts): `api_key`, `server_token`.

use std::fmt;
use std::sync::OnceLock;

use usermaven_schema::{CompiledSchema, FieldDef, FieldType};

use usermaven_json::Value;

use crate::ActionError;

/// The destination settings. Both values end up in the request URL, so `Debug` redacts them.
///
/// Values are kept as JS values because `perform` uses them as given: the body carries
/// `api_key` as is and the URL interpolates both with JS `String()` (`undefined` when
/// missing). [`Settings::from_value`] validates and coerces them as Segment does before a
/// subscription runs; [`Settings::raw`] takes them unvalidated, as `executeAction` does.
#[derive(Clone, PartialEq)]
pub struct Settings {
    pub(crate) api_key: Option<Value>,
    pub(crate) server_token: Option<Value>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Settings { api_key: **REDACTED**, server_token: **REDACTED** }")
    }
}

impl Settings {
    pub fn new(api_key: impl Into<String>, server_token: impl Into<String>) -> Settings {
        Settings {
            api_key: Some(Value::from(api_key.into())),
            server_token: Some(Value::from(server_token.into())),
        }
    }

    /// `String(settings.api_key)`.
    pub fn api_key(&self) -> String {
        js_text(self.api_key.as_ref())
    }

    /// `String(settings.server_token)`.
    pub fn server_token(&self) -> String {
        js_text(self.server_token.as_ref())
    }

    /// Settings exactly as given, unvalidated (what `executeAction` receives).
    pub fn raw(v: &Value) -> Settings {
        Settings {
            api_key: v.get("api_key").cloned(),
            server_token: v.get("server_token").cloned(),
        }
    }

    /// Settings as Segment stores them (a JSON object), validated as the reference's
    /// `validateSettings` does against the authentication fields: strings required, scalars
    /// coerced to strings, `null` coerced to `""`, unknown keys dropped; errors carry status 400.
    pub fn from_value(v: &Value) -> Result<Settings, ActionError> {
        let validated = auth_schema()
            .validate_settings(v.clone())
            .map_err(|e| ActionError {
                name: e.name.to_string(),
                message: e.message,
                status: e.status,
            })?;
        Ok(Settings::raw(&validated))
    }
}

/// The authentication fields of index.ts, compiled once.
fn auth_schema() -> &'static CompiledSchema {
    static SCHEMA: OnceLock<CompiledSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let field = |label: &str| {
            let mut f = FieldDef::new(label, FieldType::Password);
            f.description = Some("Found on your general settings page.".to_string());
            f.required = true;
            f
        };
        let fields = vec![
            ("api_key".to_string(), field("API Key")),
            ("server_token".to_string(), field("Server Token")),
        ];
        CompiledSchema::from_fields(&fields).expect("the authentication fields compile")
    })
}

fn js_text(v: Option<&Value>) -> String {
    v.map(Value::to_js_string)
        .unwrap_or_else(|| "undefined".to_string())
}
