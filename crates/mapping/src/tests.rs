//! Unit tests: JS semantics that Segment's suites do not pin down. Every expected
//! result below was produced by the reference (`@segment/actions-core@3.170.0`
//! `transform()`, Node 20), except where a test says otherwise.

use usermaven_json::Value;

use crate::{transform, Mapping};

fn now() -> jiff::Timestamp {
    "2024-03-05T06:07:08Z".parse().expect("timestamp")
}

/// Runs `transform` and prints the outcome as the probe script printed the reference's:
/// `{"ok":…}`, `{"undefined":true}` or `{"name":…,"message":…}`.
fn outcome(mapping: &str, input: &str) -> String {
    let mapping = Value::parse(mapping).expect("mapping JSON");
    let input = Value::parse(input).expect("input JSON");
    match transform(&mapping, &input, now()) {
        Ok(Some(v)) => format!("{{\"ok\":{}}}", v.to_json()),
        Ok(None) => "{\"undefined\":true}".to_string(),
        Err(e) => format!(
            "{{\"name\":{},\"message\":{}}}",
            Value::str(e.name).to_json(),
            Value::str(&e.message).to_json()
        ),
    }
}

/// (name, mapping, input, reference outcome)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "null_kept",
        r#"{"a": {"@path": "$.n"}, "b": {"@path": "$.missing"}, "c": null}"#,
        r#"{"n": null}"#,
        r#"{"ok":{"a":null,"c":null}}"#,
    ),
    (
        "key_order",
        r#"{"b": 1, "2": {"@path": "$.x"}, "a": {"@literal": {"z": 1, "1": 2}}, "0": 3}"#,
        r#"{"x": "y"}"#,
        r#"{"ok":{"0":3,"2":"y","b":1,"a":{"1":2,"z":1}}}"#,
    ),
    (
        "nested_in_array",
        r#"{"arr": [{"@path": "$.a"}, {"@path": "$.missing"}, {"x": {"@template": "{{a}}!"}}]}"#,
        r#"{"a": "A"}"#,
        r#"{"ok":{"arr":["A",null,{"x":"A!"}]}}"#,
    ),
    (
        "merge_undef_override",
        r#"{"@merge": {"direction": "right", "objects": [{"a": 1, "b": 2}, {"a": {"@path": "$.nope"}, "c": 3}]}}"#,
        r#"{}"#,
        r#"{"ok":{"b":2,"c":3}}"#,
    ),
    (
        "merge_order",
        r#"{"@merge": {"direction": "right", "objects": [{"b": 1}, {"a": {"@path": "$.nope"}}, {"a": 2}]}}"#,
        r#"{}"#,
        r#"{"ok":{"b":1,"a":2}}"#,
    ),
    (
        "merge_string",
        r#"{"@merge": {"direction": "right", "objects": [{"x": 1}, {"@path": "$.s"}]}}"#,
        r#"{"s": "hi"}"#,
        r#"{"ok":{"0":"h","1":"i","x":1}}"#,
    ),
    (
        "arraypath_undef_items",
        r#"{"@arrayPath": [{"@literal": [{"@path": "$.a"}, {"@path": "$.nope"}]}, {"v": {"@path": "$.k"}}]}"#,
        r#"{"a": {"k": 1}}"#,
        r#"{"ok":[{"v":1},{}]}"#,
    ),
    (
        "arraypath_prims",
        r#"{"@arrayPath": ["$.list", {"v": {"@path": "$.length"}}]}"#,
        r#"{"list": ["abc", 0, "x"]}"#,
        r#"{"ok":[{"v":3},{"v":0},{"v":1}]}"#,
    ),
    (
        "if_blank_zero",
        r#"{"@if": {"blank": {"@path": "$.z"}, "then": "t", "else": "e"}}"#,
        r#"{"z": 0}"#,
        r#"{"ok":"e"}"#,
    ),
    (
        "if_blank_false",
        r#"{"@if": {"blank": {"@path": "$.z"}, "then": "t", "else": "e"}}"#,
        r#"{"z": false}"#,
        r#"{"ok":"e"}"#,
    ),
    (
        "if_blank_emptyarr",
        r#"{"@if": {"blank": {"@path": "$.z"}, "then": "t", "else": "e"}}"#,
        r#"{"z": []}"#,
        r#"{"ok":"e"}"#,
    ),
    (
        "if_blank_obj",
        r#"{"@if": {"blank": {"@path": "$.z"}, "then": "t", "else": "e"}}"#,
        r#"{"z": {}}"#,
        r#"{"ok":"t"}"#,
    ),
    (
        "if_no_then",
        r#"{"@if": {"exists": {"@path": "$.z"}, "else": "e"}}"#,
        r#"{"z": 1}"#,
        r#"{"undefined":true}"#,
    ),
    (
        "if_else_falsy",
        r#"{"x": {"@if": {"exists": {"@path": "$.q"}, "then": 1, "else": 0}}}"#,
        r#"{}"#,
        r#"{"ok":{}}"#,
    ),
    (
        "if_missing_keys",
        r#"{"x": {"@literal": {"@if": {"then": 1}}}}"#,
        r#"{}"#,
        r#"{"name":"Error","message":"@if requires an \"exists\" key or a \"blank\" key"}"#,
    ),
    (
        "replace_dollar",
        r#"{"@replace": {"pattern": "b", "replacement": "[$&$$$`]", "value": {"@path": "$.s"}}}"#,
        r#"{"s": "abc"}"#,
        r#"{"ok":"a[b$a]c"}"#,
    ),
    (
        "replace_ic",
        r#"{"@replace": {"pattern": "a.", "replacement": "X", "value": {"@path": "$.s"}, "ignorecase": true, "global": true}}"#,
        r#"{"s": "A.a.ab"}"#,
        r#"{"ok":"XXab"}"#,
    ),
    (
        "replace_obj",
        r#"{"@replace": {"pattern": "a", "value": {"@path": "$.s"}}}"#,
        r#"{"s": {"a": 1}}"#,
        r#"{"ok":""}"#,
    ),
    (
        "replace_long_runtime",
        r#"{"@literal": [{"@replace": {"pattern": "aaaaaaaaaaaaa", "value": "x"}}]}"#,
        r#"{}"#,
        r#"{"name":"Error","message":"@replace requires a \"pattern\" less than 10 characters"}"#,
    ),
    (
        "path_falsy_partway",
        r#"{"v": {"@path": "$.a.b"}}"#,
        r#"{"a": 0}"#,
        r#"{"ok":{"v":0}}"#,
    ),
    (
        "path_string_len",
        r#"{"v": {"@path": "$.s.length"}, "c": {"@path": "$.s[1]"}, "n": {"@path": "$.arr.length"}}"#,
        r#"{"s": "hey", "arr": [1, 2]}"#,
        r#"{"ok":{"v":3,"c":"e","n":2}}"#,
    ),
    (
        "path_dollar_inside",
        r#"{"v": {"@path": "a.$.b"}}"#,
        r#"{"a": {"b": 5}}"#,
        r#"{"ok":{"v":5}}"#,
    ),
    (
        "path_brackets",
        r#"{"v": {"@path": "$.a[0].b"}, "w": {"@path": "$.a['0'].b"}, "x": {"@path": "$['k.k']"}}"#,
        r#"{"a": [{"b": 1}], "k": {"k": 2}, "k.k": 3}"#,
        r#"{"ok":{"v":1,"w":1}}"#,
    ),
    (
        "template_twopass",
        r#"{"@template": "{{{a}}}"}"#,
        r#"{"a": "{{b}}", "b": "B"}"#,
        r#"{"ok":"B"}"#,
    ),
    (
        "template_root",
        r#"{"@template": "{{ }}|{{a}}|{{arr}}|{{n}}"}"#,
        r#"{"a": [1, null, [2, 3]], "arr": [], "n": 1.5}"#,
        r#"{"ok":"[object Object]|1,,2,3||1.5"}"#,
    ),
    (
        "template_dollar",
        r#"{"@template": "{{$.a}}"}"#,
        r#"{"a": 1}"#,
        r#"{"ok":""}"#,
    ),
    (
        "nested_invalid_directive",
        r#"{"x": {"@literal": [{"@oops": 1}]}}"#,
        r#"{}"#,
        r#"{"name":"Error","message":"@oops is not a valid directive, got undefined"}"#,
    ),
    (
        "nested_path_nonstring",
        r#"{"x": {"@literal": [{"@path": 5}]}}"#,
        r#"{}"#,
        r#"{"name":"Error","message":"@path: expected string, got number"}"#,
    ),
    (
        "not_directive_mixed",
        r#"{"x": {"@literal": {"y": {"@path": "$.a", "b": 1}}}}"#,
        r#"{"a": 1}"#,
        r#"{"ok":{"x":{"y":{"@path":"$.a","b":1}}}}"#,
    ),
    (
        "case_missing_op",
        r#"{"x": {"@literal": [{"@case": {"value": "A"}}]}}"#,
        r#"{}"#,
        r#"{"name":"Error","message":"@case requires a \"operator\" key"}"#,
    ),
    (
        "case_no_value",
        r#"{"x": {"@case": {"operator": "upper"}}}"#,
        r#"{}"#,
        r#"{"ok":{}}"#,
    ),
    (
        "json_encode_undef",
        r#"{"x": {"@json": {"mode": "encode", "value": {"@path": "$.nope"}}}}"#,
        r#"{}"#,
        r#"{"ok":{}}"#,
    ),
    (
        "json_encode_arr_undef",
        r#"{"x": {"@json": {"mode": "encode", "value": [1, {"@path": "$.nope"}, {"a": {"@path": "$.nope"}}]}}}"#,
        r#"{}"#,
        r#"{"ok":{"x":"[1,null,{}]"}}"#,
    ),
    (
        "json_decode_num",
        r#"{"x": {"@json": {"mode": "decode", "value": {"@path": "$.s"}}}}"#,
        r#"{"s": " 12 "}"#,
        r#"{"ok":{"x":12}}"#,
    ),
    (
        "json_mode_upper",
        r#"{"x": {"@json": {"mode": "ENCODE", "value": "a"}}}"#,
        r#"{}"#,
        r#"{"ok":{}}"#,
    ),
    (
        "flatten_undef_arr",
        r#"{"x": {"@flatten": {"separator": ".", "value": [1, {"@path": "$.nope"}, null]}}}"#,
        r#"{}"#,
        r#"{"ok":{"x":{"0":1,"2":null}}}"#,
    ),
    (
        "flatten_empty_key",
        r#"{"x": {"@flatten": {"separator": "-", "value": {"": {"a": 1}, "b": {"": 2}, "c": {}, "d": []}}}}"#,
        r#"{}"#,
        r#"{"ok":{"x":{"a":1,"b-":2}}}"#,
    ),
    (
        "flatten_index_key_order",
        r#"{"x": {"@flatten": {"separator": "", "value": {"b": 1, "1": {"2": "x"}}}}}"#,
        r#"{}"#,
        r#"{"name":"Error","message":"@flatten requires a \"separator\" key"}"#,
    ),
    (
        "ewn_array",
        r#"{"x": {"@excludeWhenNull": {"@literal": {"a": [null, {"b": null}], "c": null, "d": {"e": null}}}}}"#,
        r#"{}"#,
        r#"{"ok":{"x":{"a":[null,{"b":null}],"d":{}}}}"#,
    ),
    (
        "transform_items",
        r#"{"@arrayPath": ["$.items", {"@transform": {"apply": {"q": {"@path": "$.v"}}, "mapping": {"r": {"@path": "$.q"}}}}]}"#,
        r#"{"items": [{"v": 1}, "str"]}"#,
        r#"{"name":"Error","message":"data must be an object, got string"}"#,
    ),
    (
        "root_bad",
        r#"{"__segment_internal_directive": {"a": {}, "b": {}}, "x": 1}"#,
        r#"{}"#,
        r#"{"name":"Error","message":"The root mapping must only have a single directive object"}"#,
    ),
    (
        "root_not_obj",
        r#"{"__segment_internal_directive": {"a": 1}, "x": 1}"#,
        r#"{}"#,
        r#"{"name":"Error","message":"The root directive must be an object"}"#,
    ),
    (
        "root_null",
        r#"{"__segment_internal_directive": null}"#,
        r#"{}"#,
        r#"{"name":"TypeError","message":"Cannot convert undefined or null to object"}"#,
    ),
    (
        "mapping_null",
        r#"null"#,
        r#"{}"#,
        r#"{"name":"TypeError","message":"Cannot convert undefined or null to object"}"#,
    ),
    ("spread_bool", r#"true"#, r#"{}"#, r#"{"ok":{}}"#),
    (
        "arraypath_empty",
        r#"{"x": {"@arrayPath": []}}"#,
        r#"{}"#,
        r#"{"name":"AggregateError","message":"\n    ValidationError: /x/@arrayPath should be a string or a mapping directive but it is an undefined."}"#,
    ),
    (
        "merge_bad_objects",
        r#"{"x": {"@literal": [{"@merge": {"direction": "left", "objects": "s"}}]}}"#,
        r#"{}"#,
        r#"{"name":"Error","message":"@merge: expected opts.array, got string"}"#,
    ),
    (
        "validate_nested_merge",
        r#"{"@merge": {"objects": [{"a": {"@oops": 1}}, {"@path": 1}]}}"#,
        r#"{}"#,
        r#"{"name":"AggregateError","message":"\n    ValidationError: /a has an invalid directive: @oops."}"#,
    ),
    (
        "validate_many",
        r#"{"a": {"@if": {"exists": {"@path": {}}, "then": {"@nope": 1}}}, "b": {"@replace": {"pattern": "", "value": 1}}, "c": {"@arrayPath": [1]}}"#,
        r#"{}"#,
        r#"{"name":"AggregateError","message":"\n    ValidationError: /a/@if/exists/@path should be a string or a mapping directive but it is an object.\n    ValidationError: /a/@if/then has an invalid directive: @nope.\n    ValidationError: /b/@replace/pattern should be a string of length 1 or greater.\n    ValidationError: /b/@replace/value should be a string or a mapping directive but it is a number.\n    ValidationError: /c/@arrayPath should be a string or a mapping directive but it is a number."}"#,
    ),
    (
        "liquid_missing",
        r#"{"a": {"@liquid": "[{{ properties.nope }}]"}, "b": {"@liquid": ""}}"#,
        r#"{"properties": {}}"#,
        r#"{"ok":{"a":"[]","b":""}}"#,
    ),
    (
        "liquid_filters",
        r#"{"a": {"@liquid": "{{ properties.n | plus: 2 }} {{ properties.s | append: '!' | downcase }} {{ properties.s | size }}"}}"#,
        r#"{"properties": {"n": 1, "s": "AbC"}}"#,
        r#"{"ok":{"a":"3 abc! 3"}}"#,
    ),
    (
        "liquid_disabled_pos",
        r#"{"a": {"@liquid": "hi\n  {{ x | sort }}"}}"#,
        r#"{"x": [1]}"#,
        r#"{"name":"RenderError","message":"filter \"sort\" is disabled, line:2, col:3"}"#,
    ),
    (
        "liquid_if_missing",
        r#"{"a": {"@liquid": "{% if properties.x %}y{% else %}n{% endif %}"}}"#,
        r#"{"properties": {}}"#,
        r#"{"ok":{"a":"n"}}"#,
    ),
];

#[test]
fn reference_probes() {
    let mut failures = Vec::new();
    for (name, mapping, input, want) in CASES {
        let got = outcome(mapping, input);
        if got != *want {
            failures.push(format!("{name}\n   got: {got}\n  want: {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn undefined_vs_null() {
    let m =
        Mapping::compile(&Value::parse(r#"{"a":{"@path":"$.x"},"b":{"@path":"$.y"}}"#).unwrap())
            .unwrap();
    let out = m
        .transform(&Value::parse(r#"{"x":null}"#).unwrap(), now())
        .unwrap();
    assert_eq!(out.unwrap().to_json(), r#"{"a":null}"#);
    let top = Mapping::compile(&Value::parse(r#"{"@path":"$.y"}"#).unwrap()).unwrap();
    assert_eq!(
        top.transform(&Value::parse("{}").unwrap(), now()).unwrap(),
        None
    );
}

#[test]
fn top_level_fields_in_js_order() {
    let m =
        Mapping::compile(&Value::parse(r#"{"b":1,"a":{"@path":"$.a"},"1":2}"#).unwrap()).unwrap();
    let input = Value::parse(r#"{"a":"x"}"#).unwrap();
    let out = m
        .transform(&input, jiff::Timestamp::UNIX_EPOCH)
        .unwrap()
        .unwrap();
    let keys: Vec<&str> = out.as_object().unwrap().keys().map(|k| &**k).collect();
    assert_eq!(keys, ["1", "b", "a"]);
    // A directive at the top is not an object of fields: its value is the result.
    let d = Mapping::compile(&Value::parse(r#"{"@path":"$.a"}"#).unwrap()).unwrap();
    assert_eq!(
        d.transform(&input, jiff::Timestamp::UNIX_EPOCH).unwrap(),
        Some(Value::str("x"))
    );
}

#[test]
fn data_must_be_an_object() {
    let m = Mapping::compile(&Value::parse(r#"{"a":1}"#).unwrap()).unwrap();
    let e = m
        .transform(&Value::parse("[]").unwrap(), now())
        .unwrap_err();
    assert_eq!(
        (e.name, e.message.as_str()),
        ("Error", "data must be an object, got array")
    );
}

#[test]
fn liquid_date_uses_the_injected_clock() {
    // The reference reads the clock here; the year of the payload date is fixed.
    let got = outcome(
        r#"{"a":{"@liquid":"{{ 'now' | date: '%Y-%m-%d' }}|{{ properties.t | date: '%Y' }}"}}"#,
        r#"{"properties":{"t":"2020-05-05T10:00:00Z"}}"#,
    );
    assert_eq!(got, r#"{"ok":{"a":"2024-03-05|2020"}}"#);
}

#[test]
fn mapping_is_send_sync_and_reusable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Mapping>();
    let m =
        Mapping::compile(&Value::parse(r#"{"n":{"@template":"{{a}}-{{b.c}}"}}"#).unwrap()).unwrap();
    for i in 0..3 {
        let input = Value::parse(&format!(r#"{{"a":{i},"b":{{"c":"x"}}}}"#)).unwrap();
        let out = m.transform(&input, now()).unwrap().unwrap();
        assert_eq!(out.to_json(), format!(r#"{{"n":"{i}-x"}}"#));
    }
}

#[test]
fn paths_reach_inherited_members_and_functions_stay_functions() {
    let m = Mapping::compile(
        &Value::parse(
            r#"{"d":{"@path":"$.context.page.search"},"t":{"@path":"$.context.page.title"},
                "n":{"@path":"$.name.trim"},"x":{"@template":"{{a.search}}"},
                "c":{"@path":"$.constructor.name"},"p":{"@path":"$.__proto__"}}"#,
        )
        .unwrap(),
    )
    .unwrap();
    let e = Value::parse(r#"{"context":{"page":"undefined"},"name":"x","a":"q"}"#).unwrap();
    let out = m.transform(&e, now()).unwrap().unwrap();
    let func = |v: Option<&Value>| match v {
        Some(Value::Builtin(usermaven_json::js::Builtin::Function(f))) => Some(f.name),
        _ => None,
    };
    assert_eq!(func(out.get("d")), Some("search"));
    assert_eq!(func(out.get("n")), Some("trim"));
    assert!(out.get("t").is_none());
    // JSON.stringify leaves functions out; the prototype prints as `{}`.
    assert_eq!(
        out.to_json(),
        r#"{"x":"function search() { [native code] }","c":"Object","p":{}}"#
    );
}

#[test]
fn proto_keys_are_assigned_when_objects_are_copied() {
    let t = |mapping: &str, input: &str| {
        let m = Mapping::compile(&Value::parse(mapping).unwrap()).unwrap();
        match m.transform(&Value::parse(input).unwrap(), now()) {
            Ok(v) => v.map_or("undefined".to_string(), |v| v.to_json()),
            Err(e) => format!("{}: {}", e.name, e.message),
        }
    };
    // A mapping key `__proto__` sets the prototype of the resolved object; the final copy
    // (`removeUndefined`) drops it.
    assert_eq!(
        t(r#"{"__proto__":{"a":{"@path":"$.x"}},"b":1}"#, r#"{"x":2}"#),
        r#"{"b":1}"#
    );
    // An event's own `__proto__` key becomes the copy's prototype (object) or vanishes.
    assert_eq!(
        t(
            r#"{"p":{"@path":"$.p"}}"#,
            r#"{"p":{"__proto__":{"a":1},"b":2}}"#
        ),
        r#"{"p":{"b":2}}"#
    );
    assert_eq!(
        t(r#"{"p":{"@path":"$.p"}}"#, r#"{"p":{"__proto__":7,"b":2}}"#),
        r#"{"p":{"b":2}}"#
    );
    // ... and that prototype is visible to a later lookup (`@transform` reads its own output).
    assert_eq!(
        t(
            r#"{"@transform":{"apply":{"p":{"@path":"$.p"}},"mapping":{"a":{"@path":"$.p.a"},"n":{"@path":"$.p.__proto__.a"}}}}"#,
            r#"{"p":{"__proto__":{"a":1},"b":2}}"#
        ),
        r#"{"a":1,"n":1}"#
    );
    // `String(obj)` throws when an own `toString` is not a function.
    assert_eq!(
        t(
            r#"{"s":{"@template":"{{p}}"}}"#,
            r#"{"p":{"toString":"x"}}"#
        ),
        "TypeError: Cannot convert object to primitive value"
    );
    assert_eq!(
        t(r#"{"s":{"@template":"{{p}}"}}"#, r#"{"p":{"valueOf":"x"}}"#),
        r#"{"s":"[object Object]"}"#
    );
    // `@merge` spreads a string by UTF-16 code units.
    assert_eq!(
        t(
            r#"{"m":{"@merge":{"direction":"right","objects":[{"@path":"$.s"}]}}}"#,
            r#"{"s":"a😀"}"#
        ),
        r#"{"m":{"0":"a","1":"\ud83d","2":"\ude00"}}"#
    );
}

#[test]
fn prototype_pollution_does_not_escape_one_event() {
    // One compiled mapping, reused: an event that assigns prototypes everywhere it can must
    // leave nothing behind for the next event (or for objects of its own it did not touch).
    let m = Mapping::compile(
        &Value::parse(
            r#"{"a":{"@path":"$.polluted"},"b":{"@path":"$.p.polluted"},"c":{"@path":"$.q.polluted"},
                "d":{"@merge":{"direction":"right","objects":[{"@path":"$.p"},{}]}},
                "e":{"@transform":{"apply":{"p":{"@path":"$.p"}},"mapping":{"x":{"@path":"$.p.polluted"}}}},
                "__proto__":{"polluted":{"@path":"$.p"}}}"#,
        )
        .unwrap(),
    )
    .unwrap();
    let hostile = Value::parse(
        r#"{"__proto__":{"polluted":1},"p":{"__proto__":{"polluted":2},"k":1},"q":{"k":2}}"#,
    )
    .unwrap();
    // Expected values: the reference's (`node reference/run-cases.js` on the same transform).
    // `JSON.parse` makes `__proto__` an own key, so only copies (here `@transform`'s) see `2`.
    let out = m.transform(&hostile, now()).unwrap().unwrap();
    assert_eq!(out.to_json(), r#"{"d":{"k":1},"e":{"x":2}}"#);
    let plain = Value::parse(r#"{"p":{"k":1},"q":{"k":2}}"#).unwrap();
    let out = m.transform(&plain, now()).unwrap().unwrap();
    assert_eq!(out.to_json(), r#"{"d":{"k":1},"e":{}}"#);
    assert_eq!(
        crate::get::get(&plain, "p.polluted").unwrap(),
        None,
        "nothing was added to the built-in prototypes"
    );
}
