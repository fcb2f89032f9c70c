//! Human-readable error messages, as `@segment/ajv-human-errors` 2.16 words them
//! (`src/formatting.ts`, `src/util.ts`) with `fieldLabels: 'title'`.

use usermaven_json::Value;

use crate::coerce::number_to_string;

/// The subject of a message: the schema's title, else "the root value" / "the value at <pointer>".
pub(crate) fn preamble(title: Option<&str>, pointer: &str) -> String {
    match title {
        Some(t) => t.to_string(),
        None if pointer.is_empty() => "the root value".to_string(),
        None => format!("the value at {pointer}"),
    }
}

/// `capitalize(message) + "."` — JS upper-cases the first UTF-16 unit only.
pub(crate) fn finish(mut msg: String) -> String {
    if let Some(c) = msg.chars().next() {
        if c.len_utf16() == 1 {
            let upper: String = c.to_uppercase().collect();
            msg.replace_range(..c.len_utf8(), &upper);
        }
    }
    msg.push('.');
    msg
}

pub(crate) fn indefinite_article(s: &str) -> &'static str {
    match s.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => "an",
        _ => "a",
    }
}

/// `humanizeTypeOf(value)`.
pub(crate) fn humanize_type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Builtin(usermaven_json::js::Builtin::Undefined) => "undefined",
        Value::Builtin(b) => match crate::coerce::builtin_type(*b) {
            None => "a function",
            Some(crate::compile::JsonType::Array) => "an array",
            Some(_) => "an object",
        },
    }
}

/// `humanizeList(list, conjunction)`.
pub(crate) fn humanize_list(list: &[String], conjunction: &str) -> String {
    match list.len() {
        0 => "nothing".to_string(),
        1 => list[0].clone(),
        2 => format!("{} {conjunction} {}", list[0], list[1]),
        n => format!(
            "{}, {conjunction} {}",
            list[..n - 1].join(", "),
            list[n - 1]
        ),
    }
}

pub(crate) fn pluralize(word: &str, n: f64) -> String {
    if n == 1.0 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

pub(crate) fn num(n: f64) -> String {
    number_to_string(n)
}

/// `type` keyword: "must be a string or null but it was an object".
pub(crate) fn type_msg(type_names: &[String], data: &Value) -> String {
    let expect = humanize_list(type_names, "or");
    format!(
        "must be {} {expect} but it was {}",
        indefinite_article(&expect),
        humanize_type_of(data)
    )
}

pub(crate) fn enum_msg(allowed: &[Value]) -> String {
    let list: Vec<String> = allowed.iter().map(Value::to_json).collect();
    format!("must be one of: {}", humanize_list(&list, "or"))
}

pub(crate) fn format_label(format: &str) -> &str {
    match format {
        "date-time" => "date and time",
        "time" => "time",
        "date" => "date",
        "email" => "email address",
        "hostname" => "hostname",
        "ipv4" => "IPv4 address",
        "ipv6" => "IPv6 address",
        "uri" => "URI",
        "uri-reference" => "URI Reference",
        "uri-template" => "URI-template",
        "json-pointer" => "JSON Pointer",
        "relative-json-pointer" => "relative JSON Pointer",
        "regex" => "regular expression",
        other => other,
    }
}

/// Convert a JSON Pointer to the JSON Path ajv-human-errors reports as `path`.
pub(crate) fn json_path(pointer: &str) -> String {
    if pointer.is_empty() {
        return "$".to_string();
    }
    let mut out = String::from("$");
    for seg in pointer[1..].split('/') {
        let seg = seg
            .replace("~1", "/")
            .replace("~0", "~")
            .replace('.', "\\.");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(&seg);
            out.push(']');
        } else {
            out.push('.');
            out.push_str(&seg);
        }
    }
    out
}
