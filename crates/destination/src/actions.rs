//! The four actions (identify/, track/, group/, page/ and common-definitions.ts) as data.
//!
//! Field definitions live in `definition.json` (labels, types, required flags, defaults,
//! in the reference's field order); they are parsed and compiled once per process.

use std::sync::OnceLock;

use usermaven_json::Value;
use usermaven_schema::FieldDef;

use crate::pipeline::{CompiledMapping, PayloadSchema};

/// One of the destination's actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionKind {
    Identify,
    Track,
    Group,
    Page,
}

impl ActionKind {
    /// In the order of the destination's `actions` object.
    pub const ALL: [ActionKind; 4] = [
        ActionKind::Identify,
        ActionKind::Track,
        ActionKind::Group,
        ActionKind::Page,
    ];
    /// In the order of the destination's `presets`.
    pub const PRESET_ORDER: [ActionKind; 4] = [
        ActionKind::Track,
        ActionKind::Identify,
        ActionKind::Group,
        ActionKind::Page,
    ];

    /// The action's key (`partnerAction`).
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Identify => "identify",
            ActionKind::Track => "track",
            ActionKind::Group => "group",
            ActionKind::Page => "page",
        }
    }

    pub fn from_name(name: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The `eventType` argument its perform passes to `eventRequestParams`.
    pub(crate) fn forced_event_type(self) -> Option<&'static str> {
        match self {
            ActionKind::Identify => Some("user_identify"),
            ActionKind::Track => None,
            ActionKind::Group => Some("group"),
            ActionKind::Page => Some("pageview"),
        }
    }

    /// The compiled action (fields, default mapping, schema), built on first use.
    pub fn action(self) -> &'static Action {
        static ACTIONS: OnceLock<Vec<Action>> = OnceLock::new();
        let all = ACTIONS.get_or_init(|| ActionKind::ALL.into_iter().map(Action::build).collect());
        &all[ActionKind::ALL.iter().position(|k| *k == self).unwrap_or(0)]
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A field of an action, as declared by the reference.
#[derive(Clone, Debug)]
pub struct FieldInfo {
    pub name: String,
    /// The declaration as JSON: label, description, type, required, allowNull, properties, default.
    pub definition: Value,
    /// The same declaration, typed: what validation and the fused path read.
    pub def: FieldDef,
}

impl FieldInfo {
    fn new(name: &str, definition: &Value) -> FieldInfo {
        let def = FieldDef::from_value(definition)
            .expect("definition.json fields are valid field definitions");
        FieldInfo {
            name: name.to_string(),
            definition: definition.clone(),
            def,
        }
    }

    pub fn label(&self) -> &str {
        &self.def.label
    }
    pub fn field_type(&self) -> &str {
        self.definition
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
    pub fn required(&self) -> bool {
        self.def.required
    }
    pub fn default_mapping(&self) -> Option<&Value> {
        self.def.default.as_ref()
    }
}

/// An action: its declaration and what is compiled from it.
pub struct Action {
    pub kind: ActionKind,
    pub title: String,
    pub description: String,
    pub preset_name: String,
    pub preset_subscribe: String,
    pub fields: Vec<FieldInfo>,
    /// `defaultValues(fields)`: the preset's mapping.
    pub default_mapping: Value,
    pub(crate) compiled_default: CompiledMapping,
    pub(crate) schema: PayloadSchema,
}

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Action")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// The destination's declaration, parsed once.
pub(crate) fn definition() -> &'static Value {
    static DEF: OnceLock<Value> = OnceLock::new();
    DEF.get_or_init(|| {
        Value::parse(include_str!("definition.json")).expect("definition.json is valid JSON")
    })
}

impl Action {
    fn build(kind: ActionKind) -> Action {
        let def = definition().get(kind.name()).cloned().unwrap_or_default();
        let text = |k: &str| def.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let fields: Vec<FieldInfo> = def
            .get("fields")
            .and_then(Value::as_object)
            .map(|o| o.iter().map(|(k, v)| FieldInfo::new(k, v)).collect())
            .unwrap_or_default();
        let mut default_mapping = usermaven_json::Object::new();
        for f in &fields {
            if let Some(d) = f.default_mapping() {
                default_mapping.set(&f.name, d.clone());
            }
        }
        let default_mapping = Value::Object(default_mapping);
        let compiled_default = CompiledMapping::compile(&default_mapping)
            .expect("the reference's default mappings are valid");
        let schema = PayloadSchema::from_fields(&fields);
        Action {
            kind,
            title: text("title"),
            description: text("description"),
            preset_name: text("preset"),
            preset_subscribe: text("subscribe"),
            fields,
            default_mapping,
            compiled_default,
            schema,
        }
    }
}
