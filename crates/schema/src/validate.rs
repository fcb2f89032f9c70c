//! The validation engine: ajv 8 behaviour under Segment's options (`coerceTypes: 'array'`,
//! `allErrors: true`, `removeAdditional: true`, `strictNumbers` on), run over a compiled
//! [`Schema`] tree, mutating the data in place as ajv's generated code does.
//!
//! Control flow follows ajv's code generation (`compile/validate/index.ts`): a type check with
//! coercion first, then keyword groups (untyped, number, string, array, object) in a fixed
//! keyword order; in a subschema evaluated with `allErrors: false` (the condition of `if`, the
//! body of `not`) evaluation stops at the first error, which matters because evaluation also
//! coerces and removes properties.

use std::collections::HashMap;

use usermaven_json::Value;

use crate::coerce::{
    coerce, deep_equal, is_any_type, is_any_type_mask, is_type, number_to_string,
    parse_int_of_number, strict_equal, utf16_len, Coerced,
};
use crate::compile::{escape_pointer, Items, JsonType, KeywordGroup, Node, Schema};
use crate::human;

#[derive(Clone, Copy)]
struct Mode {
    all_errors: bool,
    create_errors: bool,
}

const TOP: Mode = Mode {
    all_errors: true,
    create_errors: true,
};
const SILENT_FIRST: Mode = Mode {
    all_errors: false,
    create_errors: false,
};

/// One ajv error, already worded by ajv-human-errors (empty for errors ajv does not create).
#[derive(Debug, Clone)]
pub(crate) struct ErrorRec {
    pub(crate) pointer: String,
    pub(crate) message: String,
}

pub(crate) struct Validator {
    pub(crate) errors: Vec<ErrorRec>,
    path: String,
    /// The root value as it was before ajv replaced its local root by a coerced value (ajv
    /// cannot assign a coerced root back to the caller).
    root_snapshot: Option<Value>,
}

impl Validator {
    pub(crate) fn new() -> Validator {
        Validator {
            errors: Vec::new(),
            path: String::new(),
            root_snapshot: None,
        }
    }

    /// Validate `data` against the root schema; returns ajv's `valid`.
    pub(crate) fn run(&mut self, schema: &Schema, data: &mut Value) -> bool {
        let valid = self.validate(schema, data, TOP, true);
        if let Some(original) = self.root_snapshot.take() {
            *data = original;
        }
        valid
    }

    fn err(&mut self, mode: Mode, title: Option<&str>, body: impl FnOnce() -> String) {
        let message = if mode.create_errors {
            human::finish(format!("{} {}", human::preamble(title, &self.path), body()))
        } else {
            String::new()
        };
        self.errors.push(ErrorRec {
            pointer: if mode.create_errors {
                self.path.clone()
            } else {
                String::new()
            },
            message,
        });
    }

    fn stop(&self, mode: Mode, before: usize) -> bool {
        !mode.all_errors && self.errors.len() > before
    }

    fn validate(&mut self, schema: &Schema, slot: &mut Value, mode: Mode, is_root: bool) -> bool {
        let n = match schema {
            Schema::Bool(true) => return true,
            Schema::Bool(false) => {
                self.err(mode, None, || "boolean schema is false".to_string());
                return false;
            }
            Schema::Node(n) => n,
        };
        if n.always_valid {
            return true;
        }
        let start = self.errors.len();
        if n.check_types && !is_any_type_mask(slot, n.type_mask) {
            if n.coerce_to.is_empty() {
                self.type_error(n, slot, mode);
            } else {
                match coerce(slot, &n.types, &n.coerce_to) {
                    Coerced::To(v) => {
                        if is_root && self.root_snapshot.is_none() {
                            self.root_snapshot = Some(std::mem::take(slot));
                        }
                        *slot = v;
                    }
                    Coerced::Failed { unwrapped: true } => {
                        if let Value::Array(items) = slot {
                            let element = &mut items[0];
                            self.type_error(n, element, mode);
                            return self.keywords(n, element, mode, start, false);
                        }
                    }
                    Coerced::Failed { unwrapped: false } => self.type_error(n, slot, mode),
                }
            }
        }
        if n.uses.is_empty() {
            // Only a type (checked above): the common shape of a payload field.
            return self.errors.len() == start;
        }
        self.keywords(n, slot, mode, start, is_root)
    }

    fn type_error(&mut self, n: &Node, data: &Value, mode: Mode) {
        self.err(mode, n.title.as_deref(), || {
            human::type_msg(&n.type_names, data)
        });
    }

    fn keywords(
        &mut self,
        n: &Node,
        data: &mut Value,
        mode: Mode,
        start: usize,
        is_root: bool,
    ) -> bool {
        let type_errors = !n.check_types;
        if n.uses.contains(KeywordGroup::Untyped) {
            self.untyped(n, data, mode, is_root);
            if self.stop(mode, start) {
                return false;
            }
        }
        for g in KeywordGroup::TYPED {
            if !n.uses.contains(g) {
                continue;
            }
            let matches = match g {
                KeywordGroup::Number => is_type(data, JsonType::Number),
                KeywordGroup::String => is_type(data, JsonType::String),
                KeywordGroup::Array => is_type(data, JsonType::Array),
                _ => is_type(data, JsonType::Object),
            };
            if matches {
                match g {
                    KeywordGroup::Number => self.number(n, data, mode),
                    KeywordGroup::String => self.string(n, data, mode),
                    KeywordGroup::Array => self.array(n, data, mode),
                    _ => self.object(n, data, mode),
                }
            } else if type_errors
                && n.types.len() == 1
                && KeywordGroup::of_type(n.types[0]) == Some(g)
            {
                self.type_error(n, data, mode);
            }
            if self.stop(mode, start) {
                return false;
            }
        }
        self.errors.len() == start
    }

    fn untyped(&mut self, n: &Node, data: &mut Value, mode: Mode, is_root: bool) {
        let title = n.title.as_deref();
        if let Some(c) = &n.const_ {
            let equal = if matches!(c, Value::Object(_) | Value::Array(_)) {
                deep_equal(data, c)
            } else {
                strict_equal(c, data)
            };
            if !equal {
                self.err(mode, title, || "must be equal to constant".to_string());
                if !mode.all_errors {
                    return;
                }
            }
        }
        if let Some(list) = &n.enum_ {
            let found = list.iter().any(|e| {
                if matches!(e, Value::Object(_) | Value::Array(_)) {
                    deep_equal(data, e)
                } else {
                    strict_equal(e, data)
                }
            });
            if !found {
                self.err(mode, title, || human::enum_msg(list));
                if !mode.all_errors {
                    return;
                }
            }
        }
        if let Some(sub) = &n.not {
            let before = self.errors.len();
            let valid = sub.always_valid() || self.validate(sub, data, SILENT_FIRST, is_root);
            if valid {
                self.err(mode, title, || "must NOT be valid".to_string());
                if !mode.all_errors {
                    return;
                }
            } else {
                self.errors.truncate(before);
            }
        }
        if let Some(branches) = &n.any_of {
            if !branches.iter().any(Schema::always_valid) {
                let before = self.errors.len();
                let mut valid = false;
                for b in branches {
                    if self.validate(b, data, mode, is_root) {
                        valid = true;
                        break;
                    }
                }
                if valid {
                    self.errors.truncate(before);
                } else {
                    self.err(mode, title, || "must match a schema in anyOf".to_string());
                    if !mode.all_errors {
                        return;
                    }
                }
            }
        }
        if let Some(branches) = &n.one_of {
            let before = self.errors.len();
            let mut valid = false;
            for (i, b) in branches.iter().enumerate() {
                let branch_valid = b.always_valid() || self.validate(b, data, mode, is_root);
                // ajv: a second passing branch clears `valid`, a third sets it again.
                if i > 0 && branch_valid && valid {
                    valid = false;
                } else if branch_valid {
                    valid = true;
                }
            }
            if valid {
                self.errors.truncate(before);
            } else {
                self.err(mode, title, || {
                    "must match exactly one schema in oneOf".to_string()
                });
                if !mode.all_errors {
                    return;
                }
            }
        }
        if let Some(subs) = &n.all_of {
            for s in subs {
                if s.always_valid() {
                    continue;
                }
                if !self.validate(s, data, mode, is_root) && !mode.all_errors {
                    return;
                }
            }
        }
        if let Some(ite) = &n.if_ {
            let has_then = ite.then.as_ref().is_some_and(|s| !s.always_valid());
            let has_else = ite.els.as_ref().is_some_and(|s| !s.always_valid());
            if has_then || has_else {
                let before = self.errors.len();
                let cond = self.validate(&ite.cond, data, SILENT_FIRST, is_root);
                self.errors.truncate(before);
                let (valid, clause) = match (cond, &ite.then, &ite.els) {
                    (true, Some(t), _) if has_then => {
                        (self.validate(t, data, mode, is_root), "then")
                    }
                    (false, _, Some(e)) if has_else => {
                        (self.validate(e, data, mode, is_root), "else")
                    }
                    _ => (true, ""),
                };
                if !valid {
                    self.err(mode, title, || format!("must match \"{clause}\" schema"));
                }
            }
        }
    }

    fn number(&mut self, n: &Node, data: &Value, mode: Mode) {
        let Value::Number(x) = *data else { return };
        let title = n.title.as_deref();
        type Check = (Option<f64>, fn(f64, f64) -> bool, &'static str);
        let checks: [Check; 4] = [
            (
                n.maximum,
                |x, l| x > l || x.is_nan(),
                "must be equal to or less than",
            ),
            (
                n.minimum,
                |x, l| x < l || x.is_nan(),
                "must be equal to or greater than",
            ),
            (
                n.exclusive_maximum,
                |x, l| x >= l || x.is_nan(),
                "must be less than",
            ),
            (
                n.exclusive_minimum,
                |x, l| x <= l || x.is_nan(),
                "must be greater than",
            ),
        ];
        for (limit, fails, words) in checks {
            if let Some(l) = limit {
                if fails(x, l) {
                    self.err(mode, title, || format!("{words} {}", human::num(l)));
                    if !mode.all_errors {
                        return;
                    }
                }
            }
        }
        if let Some(m) = n.multiple_of {
            let res = x / m;
            if m == 0.0 || res != parse_int_of_number(res) {
                self.err(mode, title, || {
                    format!("must be a multiple of {}", human::num(m))
                });
                if !mode.all_errors {
                    return;
                }
            }
        }
        if let Some((name, fmt)) = &n.format {
            if fmt.is_number_format() && !fmt.check_number(x) {
                self.err(mode, title, || {
                    format!(
                        "must be a valid {} string but it was not",
                        human::format_label(name)
                    )
                });
            }
        }
    }

    fn string(&mut self, n: &Node, data: &Value, mode: Mode) {
        let Value::String(s) = data else { return };
        let title = n.title.as_deref();
        if n.max_length.is_some() || n.min_length.is_some() {
            let len = s.chars().count() as f64;
            let actual = utf16_len(s) as f64;
            for (limit, fails, words) in [
                (
                    n.max_length,
                    len > n.max_length.unwrap_or(f64::INFINITY),
                    "fewer",
                ),
                (n.min_length, len < n.min_length.unwrap_or(0.0), "more"),
            ] {
                if let (Some(l), true) = (limit, fails) {
                    self.err(mode, title, || {
                        format!(
                            "must be {} {} or {words} but it was {} {}",
                            human::num(l),
                            human::pluralize("character", l),
                            human::num(actual),
                            human::pluralize("character", actual)
                        )
                    });
                    if !mode.all_errors {
                        return;
                    }
                }
            }
        }
        if let Some(re) = &n.pattern {
            if !re.is_match(s) {
                self.err(mode, title, || "is an invalid string".to_string());
                if !mode.all_errors {
                    return;
                }
            }
        }
        if let Some((name, fmt)) = &n.format {
            if !fmt.is_number_format() && !fmt.check_string(s) {
                self.err(mode, title, || {
                    format!(
                        "must be a valid {} string but it was not",
                        human::format_label(name)
                    )
                });
            }
        }
    }

    fn array(&mut self, n: &Node, data: &mut Value, mode: Mode) {
        let Value::Array(items) = data else { return };
        let title = n.title.as_deref();
        let len = items.len() as f64;
        if let Some(max) = n.max_items {
            if len > max {
                self.err(mode, title, || {
                    format!(
                        "must have {} or fewer items but it has {}",
                        human::num(max),
                        human::num(len)
                    )
                });
                if !mode.all_errors {
                    return;
                }
            }
        }
        if let Some(min) = n.min_items {
            if len < min {
                self.err(mode, title, || {
                    format!(
                        "must have {} or more items but it has {}",
                        human::num(min),
                        human::num(len)
                    )
                });
                if !mode.all_errors {
                    return;
                }
            }
        }
        match &n.items {
            Items::None => {}
            Items::One(sub) => {
                if !sub.always_valid() {
                    for (i, item) in items.iter_mut().enumerate() {
                        let before = self.path.len();
                        self.path.push('/');
                        self.path.push_str(&i.to_string());
                        let valid = self.validate(sub, item, mode, false);
                        self.path.truncate(before);
                        if !valid && !mode.all_errors {
                            return;
                        }
                    }
                }
            }
            Items::Tuple(subs) => {
                for (i, sub) in subs.iter().enumerate() {
                    if sub.always_valid() || i >= items.len() {
                        continue;
                    }
                    let before = self.path.len();
                    self.path.push('/');
                    self.path.push_str(&i.to_string());
                    let valid = self.validate(sub, &mut items[i], mode, false);
                    self.path.truncate(before);
                    if !valid && !mode.all_errors {
                        return;
                    }
                }
            }
        }
        if let Some(item_types) = &n.unique_items {
            if let Some((i, j)) = duplicate(items, item_types) {
                self.err(mode, title, || {
                    format!("must be unique but elements {j} and {i} are the same")
                });
            }
        }
    }

    fn object(&mut self, n: &Node, data: &mut Value, mode: Mode) {
        let Value::Object(obj) = data else { return };
        let title = n.title.as_deref();
        let count = obj.len() as f64;
        if let Some(max) = n.max_properties {
            if count > max {
                self.err(mode, title, || {
                    format!(
                        "must have {} or fewer properties but it has {}",
                        human::num(max),
                        human::num(count)
                    )
                });
                if !mode.all_errors {
                    return;
                }
            }
        }
        if let Some(min) = n.min_properties {
            if count < min {
                self.err(mode, title, || {
                    format!(
                        "must have {} or more properties but it has {}",
                        human::num(min),
                        human::num(count)
                    )
                });
                if !mode.all_errors {
                    return;
                }
            }
        }
        for key in &n.required {
            if !obj.contains_key(key) {
                self.err(mode, title, || {
                    format!("is missing the required field '{key}'")
                });
                if !mode.all_errors {
                    return;
                }
            }
        }
        let mut hint = 0;
        let mut declared = |k: &str| k != "__proto__" && n.property_from(k, &mut hint).is_some();
        match &n.additional {
            None => {}
            Some(Schema::Bool(false)) => obj.retain(|k, _| declared(k)),
            Some(sub) if sub.always_valid() => {}
            Some(sub) => {
                let before = self.errors.len();
                for (k, v) in obj.iter_mut() {
                    if declared(k) {
                        continue;
                    }
                    let at = self.path.len();
                    self.path.push('/');
                    self.path.push_str(&escape_pointer(k));
                    let valid = self.validate(sub, v, mode, false);
                    self.path.truncate(at);
                    if !valid && !mode.all_errors {
                        break;
                    }
                }
                if self.stop(mode, before) {
                    return;
                }
            }
        }
        if let Some(props) = &n.properties {
            // Pair each data entry with its schema property (walking the data in its order),
            // then validate in schema order as ajv does.
            // Up to 32 properties the pairing lives on the stack.
            let mut small: [Option<&mut Value>; 32] = Default::default();
            let mut large: Vec<Option<&mut Value>> = Vec::new();
            let slots: &mut [Option<&mut Value>] = if props.len() <= small.len() {
                &mut small[..props.len()]
            } else {
                large.resize_with(props.len(), || None);
                &mut large
            };
            let mut hint = 0;
            for (k, v) in obj.iter_mut() {
                if let Some(i) = n.property_index(k, &mut hint) {
                    slots[i] = Some(v);
                }
            }
            for (p, slot) in props.iter().zip(slots.iter_mut()) {
                let Some(v) = slot.take() else { continue };
                if is_any_type_mask(v, p.trivially_valid) {
                    continue;
                }
                if &*p.key == "__proto__" || p.schema.always_valid() {
                    continue;
                }
                let at = self.path.len();
                self.path.push_str(&p.segment);
                let valid = self.validate(&p.schema, v, mode, false);
                self.path.truncate(at);
                if !valid && !mode.all_errors {
                    return;
                }
            }
        }
    }
}

/// ajv `uniqueItems`: the pair `(i, j)` it reports for the first duplicate it finds.
fn duplicate(items: &[Value], item_types: &[JsonType]) -> Option<(usize, usize)> {
    if items.len() < 2 {
        return None;
    }
    if !item_types.is_empty() {
        // Optimised loop: items keyed by their JS property-key string, scanning downwards.
        let mut seen: HashMap<String, usize> = HashMap::new();
        for i in (0..items.len()).rev() {
            let item = &items[i];
            if !is_any_type(item, item_types) {
                continue;
            }
            let mut key = match item {
                Value::Number(x) => number_to_string(*x),
                other => other.to_js_string(),
            };
            if item_types.len() > 1 && matches!(item, Value::String(_)) {
                key.push('_');
            }
            if let Some(&j) = seen.get(&key) {
                return Some((i, j));
            }
            seen.insert(key, i);
        }
        return None;
    }
    for i in (0..items.len()).rev() {
        for j in (0..i).rev() {
            if deep_equal(&items[i], &items[j]) {
                return Some((i, j));
            }
        }
    }
    None
}
