//! ajv behaviours that are easy to get wrong, each checked against the reference
//! (`validateSchema` of `@segment/actions-core` 3.170.0 with ajv 8.18.0; outputs recorded).

use usermaven_json::Value;
use usermaven_schema::{CompiledSchema, ValidateOptions};

/// Validate `data` against `schema` (both JSON text) and compare with the recorded result.
fn check(schema: &str, data: &str, want: &str) {
    let schema = CompiledSchema::compile(&Value::parse(schema).expect("schema")).expect("compiles");
    let mut data = Value::parse(data).expect("data");
    let want = Value::parse(want).expect("want");
    match schema.validate_schema(&mut data, ValidateOptions::default()) {
        Ok(_) => assert_eq!(want.get("ok").map(Value::to_json), Some(data.to_json())),
        Err(e) => {
            assert_eq!(
                want.get("error").and_then(Value::as_str),
                Some(e.message.as_str())
            );
            assert_eq!(want.get("output").map(Value::to_json), Some(data.to_json()));
        }
    }
}

#[test]
fn one_element_array_is_not_unwrapped_into_a_multi_type() {
    // ajv joins the "is one of these types" checks with && for an unwrapped element.
    check(
        r#"{"type":"object","properties":{"a":{"title":"A","type":["number","null"]}}}"#,
        r#"{"a":[1]}"#,
        r#"{"error":"A must be a number or null but it was a number.","output":{"a":[1]}}"#,
    );
    check(
        r#"{"type":"object","properties":{"a":{"title":"A","type":["string","number"]}}}"#,
        r#"{"a":[1]}"#,
        r#"{"ok":{"a":"1"}}"#,
    );
    check(
        r#"{"type":"object","properties":{"a":{"title":"A","type":["boolean","null"]}}}"#,
        r#"{"a":[null]}"#,
        r#"{"ok":{"a":false}}"#,
    );
}

#[test]
fn coercion_inside_if_conditions_changes_the_payload() {
    // The `if` branch coerces 0 to null, then `properties` coerces null back to 0.
    check(
        r#"{"type":"object","properties":{"a":{"title":"A","type":"integer"}},"allOf":[{"if":{"anyOf":[{"not":{"required":["a"]}},{"properties":{"a":{"type":"null"}}}]},"then":{"required":["b"]}}]}"#,
        r#"{"a":0}"#,
        r#"{"error":"The root value is missing the required field 'b'. The root value must match \"then\" schema.","output":{"a":0}}"#,
    );
}

#[test]
fn root_array_fields_are_arrified_and_nested_arrays_reported_by_element() {
    check(
        r#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"array","items":{"type":"integer"}}}}"#,
        r#"{"a":[[1]],"b":"7"}"#,
        r#"{"error":"The value at /a must be a string but it was an array.","output":{"a":[[1]],"b":[7]}}"#,
    );
}

#[test]
fn composite_keywords_word_their_errors_like_ajv_human_errors() {
    check(
        r#"{"type":"object","properties":{"a":{"anyOf":[{"type":"string"},{"type":"number"}]},"b":{"oneOf":[{"type":"number"},{"type":"integer"}]},"c":{"enum":["x",1]},"d":{"not":{"type":"string"}},"e":{"const":{"k":[1]}},"f":{"type":"array","uniqueItems":true,"items":{"type":"integer"}},"g":{"type":"array","uniqueItems":true}}}"#,
        r#"{"a":true,"b":3,"c":"y","d":"s","e":{"k":[2]},"f":[1,2,1,2],"g":[{"x":1},[1],{"x":1}]}"#,
        r#"{"error":"The value at /b must match exactly one schema in oneOf. The value at /c must be one of: \"x\" or 1. The value at /d must NOT be valid. The value at /e must be equal to constant. The value at /f must be unique but elements 3 and 1 are the same. The value at /g must be unique but elements 0 and 2 are the same.","output":{"a":"true","b":3,"c":"y","d":"s","e":{"k":[2]},"f":[1,2,1,2],"g":[{"x":1},[1],{"x":1}]}}"#,
    );
}
