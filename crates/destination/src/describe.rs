//! The destination as data, in the shape of the reference's `metadata.json`, so the two can
//! be diffed.

use usermaven_json::{Object, Value};

use crate::actions::definition;
use crate::ActionKind;

fn s(v: &str) -> Value {
    Value::str(v)
}

fn field_shape(def: &Value) -> Value {
    let get = |k: &str| def.get(k).cloned();
    let mut o = Object::new();
    o.set("label", get("label").unwrap_or(Value::Null));
    o.set("description", get("description").unwrap_or(Value::Null));
    o.set("type", get("type").unwrap_or(Value::Null));
    o.set("required", get("required").unwrap_or(Value::Bool(false)));
    o.set("multiple", get("multiple").unwrap_or(Value::Bool(false)));
    o.set("allowNull", get("allowNull").unwrap_or(Value::Bool(false)));
    o.set("dynamic", Value::Bool(false));
    let default = get("default");
    o.set("default", default.unwrap_or(Value::Null));
    o.set("choices", Value::Null);
    o.set("placeholder", Value::Null);
    let props = def.get("properties").and_then(Value::as_object).map(|p| {
        let mut po = Object::new();
        for (k, v) in p.iter() {
            po.insert(k.clone(), field_shape(v));
        }
        Value::Object(po)
    });
    o.set("properties", props.unwrap_or(Value::Null));
    for k in [
        "category",
        "depends_on",
        "readOnly",
        "hidden",
        "minimum",
        "maximum",
        "defaultObjectUI",
        "disabledInputMethods",
        "displayMode",
        "format",
    ] {
        o.set(k, Value::Null);
    }
    o.set("additionalProperties", Value::Bool(false));
    Value::Object(o)
}

fn auth_field(label: &str) -> Value {
    let mut o = Object::new();
    o.set("label", s(label));
    o.set("description", s("Found on your general settings page."));
    o.set("type", s("password"));
    o.set("required", Value::Bool(true));
    o.set("multiple", Value::Bool(false));
    o.set("choices", Value::Null);
    o.set("default", Value::Null);
    o.set("depends_on", Value::Null);
    Value::Object(o)
}

/// One action in metadata.json's shape.
pub fn describe_action(kind: ActionKind) -> Value {
    let def = definition().get(kind.name()).cloned().unwrap_or_default();
    let mut a = Object::new();
    a.set("title", def.get("title").cloned().unwrap_or_default());
    a.set(
        "description",
        def.get("description").cloned().unwrap_or_default(),
    );
    a.set(
        "platform",
        def.get("platform").cloned().unwrap_or(s("cloud")),
    );
    a.set("defaultSubscription", Value::Null);
    a.set("hidden", Value::Bool(false));
    a.set("hasPerformBatch", Value::Bool(false));
    for k in ["syncMode", "hooks", "dynamicFields"] {
        a.set(k, Value::Null);
    }
    let mut fields = Object::new();
    if let Some(f) = def.get("fields").and_then(Value::as_object) {
        for (k, v) in f.iter() {
            fields.insert(k.clone(), field_shape(v));
        }
    }
    a.set("fields", Value::Object(fields));
    Value::Object(a)
}

/// The whole destination in metadata.json's shape: slug, name, mode, authentication,
/// audienceConfig, actions, presets.
pub fn describe() -> Value {
    let mut m = Object::new();
    m.set("slug", s("actions-usermaven"));
    m.set("name", s("Usermaven (Actions)"));
    m.set("mode", s("cloud"));
    let mut auth = Object::new();
    auth.set("scheme", s("custom"));
    let mut fields = Object::new();
    fields.set("api_key", auth_field("API Key"));
    fields.set("server_token", auth_field("Server Token"));
    auth.set("fields", Value::Object(fields));
    m.set("authentication", Value::Object(auth));
    m.set("audienceConfig", Value::Null);
    let mut actions = Object::new();
    for kind in ActionKind::ALL {
        actions.set(kind.name(), describe_action(kind));
    }
    m.set("actions", Value::Object(actions));
    let presets = ActionKind::PRESET_ORDER
        .into_iter()
        .map(|kind| {
            let a = kind.action();
            let mut p = Object::new();
            p.set("name", s(&a.preset_name));
            p.set("type", s("automatic"));
            p.set("partnerAction", s(kind.name()));
            p.set("subscribe", s(&a.preset_subscribe));
            p.set("mapping", a.default_mapping.clone());
            p.set("eventSlug", Value::Null);
            Value::Object(p)
        })
        .collect();
    m.set("presets", Value::Array(presets));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use usermaven_json::{Object, Value};

    /// `describe()` projected onto what `reference/describe.js` prints from Segment's
    /// published definition (`fixtures/cases/destination-definition.json`, written by
    /// `cargo xtask reference`): every action, field, type, required flag and default, in order.
    #[test]
    fn matches_the_reference_definition() {
        let expected = Value::parse(&usermaven_test_support::read(
            "fixtures/cases/destination-definition.json",
        ))
        .unwrap();

        fn pick(v: &Value, keys: &[&str]) -> Value {
            let mut o = Object::new();
            for k in keys {
                o.set(k, v.get(k).cloned().unwrap_or(Value::Null));
            }
            Value::Object(o)
        }
        fn field(f: &Value) -> Value {
            let mut o = pick(
                f,
                &[
                    "label",
                    "description",
                    "type",
                    "required",
                    "allowNull",
                    "multiple",
                    "default",
                ],
            );
            let props = match f.get("properties") {
                Some(Value::Object(p)) => {
                    Value::Object(p.iter().map(|(k, v)| (k.clone(), field(v))).collect())
                }
                _ => Value::Null,
            };
            o.as_object_mut().unwrap().set("properties", props);
            o
        }
        let d = super::describe();
        let mut got = pick(&d, &["slug", "name", "mode"]);
        let auth = d.get("authentication").unwrap();
        let mut auth_out = pick(auth, &["scheme"]);
        let auth_fields: Object = auth
            .get("fields")
            .and_then(Value::as_object)
            .unwrap()
            .iter()
            .map(|(k, f)| {
                (
                    k.clone(),
                    pick(f, &["label", "description", "type", "required"]),
                )
            })
            .collect();
        auth_out
            .as_object_mut()
            .unwrap()
            .set("fields", Value::Object(auth_fields));
        let actions: Object = d
            .get("actions")
            .and_then(Value::as_object)
            .unwrap()
            .iter()
            .map(|(name, a)| {
                let mut out = pick(a, &["title", "description"]);
                let fields: Object = a
                    .get("fields")
                    .and_then(Value::as_object)
                    .unwrap()
                    .iter()
                    .map(|(k, f)| (k.clone(), field(f)))
                    .collect();
                out.as_object_mut()
                    .unwrap()
                    .set("fields", Value::Object(fields));
                (name.clone(), out)
            })
            .collect();
        let presets: Vec<Value> = d
            .get("presets")
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .map(|p| {
                pick(
                    p,
                    &["name", "type", "partnerAction", "subscribe", "mapping"],
                )
            })
            .collect();
        let o = got.as_object_mut().unwrap();
        o.set("authentication", auth_out);
        o.set("actions", Value::Object(actions));
        o.set("presets", Value::Array(presets));
        assert_eq!(got.to_json_pretty(), expected.to_json_pretty());
    }
}
