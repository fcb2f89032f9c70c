//! The message of the reference's `AggregateError`, which `validate()` throws when a mapping has
//! several problems.
//!
//! The reference builds it with npm `aggregate-error` 3.1.0: each problem's `ValidationError`
//! *stack* (its `ValidationError: <message>` line and the frames) goes through `clean-stack`
//! 2.2.0 (every `\` becomes `/`, blank lines and frames of node's internals are dropped), the
//! stacks are joined with line breaks and indented four spaces by `indent-string` 4.0.0 (not the
//! blank lines). What callers compare is that message with the frame lines (`/^\s+at /`) taken
//! out, which is all that is left of it that does not depend on the machine. Keys and values in
//! a problem's text are the user's, so every one of these rules shows through.

use std::sync::OnceLock;

use regex::Regex;
use usermaven_json::js::is_js_space;

/// JS `\s` (WhiteSpace and LineTerminator, [`is_js_space`]) as a regex class.
const JS_SPACE: &str = r"[\t\n\x0B\x0C\r \u{A0}\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}\u{FEFF}]";
/// JS `.` without the `s` flag.
const JS_DOT: &str = r"[^\n\r\u{2028}\u{2029}]";

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

struct Patterns {
    /// clean-stack's `extractPathRegex`: `/\s+at.*(?:\(|\s)(.*)\)?/`.
    extract_path: Regex,
    /// clean-stack's `pathRegex` (node's own frames).
    node_path: Regex,
    /// aggregate-error's `cleanInternalStack`: `/\s+at .*aggregate-error\/index.js:\d+:\d+\)?/g`.
    internal: Regex,
    /// The harness's frame lines: `/^\s+at /`.
    frame_line: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |p: String| Regex::new(&p).expect("a fixed pattern");
        let (s, d) = (JS_SPACE, JS_DOT);
        Patterns {
            extract_path: re(format!(r"{s}+at{d}*(?:\(|{s})({d}*)\)?")),
            node_path: re(format!(
                r"^(?:(?:(?:node|(?:internal/[A-Za-z0-9_/]*|{d}*node_modules/(?:babel-polyfill|pirates)/{d}*)?[A-Za-z0-9_]+)\.js:[0-9]+:[0-9]+)|native)"
            )),
            internal: re(format!(
                r"{s}+at {d}*aggregate-error/index{d}js:[0-9]+:[0-9]+\)?"
            )),
            frame_line: re(format!(r"^{s}+at ")),
        }
    })
}

/// clean-stack 2.2.0 without `pretty`.
fn clean_stack(stack: &str) -> String {
    let p = patterns();
    let stack = stack.replace('\\', "/");
    let kept: Vec<&str> = stack
        .split('\n')
        .filter(|line| {
            let Some(path) = p
                .extract_path
                .captures(line)
                .and_then(|c| c.get(1))
                .map(|m| m.as_str())
                .filter(|m| !m.is_empty())
            else {
                return true;
            };
            if path.contains(".app/Contents/Resources/electron.asar")
                || path.contains(".app/Contents/Resources/default_app.asar")
            {
                return false;
            }
            !p.node_path.is_match(path)
        })
        .filter(|line| !line.trim_matches(is_js_space).is_empty())
        .collect();
    kept.join("\n")
}

/// indent-string 4.0.0, four spaces, empty lines left alone: `replace(/^(?!\s*$)/gm, '    ')`.
/// A line starts at the start and after every line terminator; one holding only whitespace up
/// to the next terminator is not indented.
fn indent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut at_line_start = true;
    for (i, c) in text.char_indices() {
        if at_line_start {
            let rest = &text[i..];
            let line = rest.split(is_line_terminator).next().unwrap_or("");
            if !line.chars().all(is_js_space) {
                out.push_str("    ");
            }
        }
        out.push(c);
        at_line_start = is_line_terminator(c);
    }
    // A terminator at the very end leaves an empty last line: nothing to indent.
    out
}

/// The message for these problems (`/path message.` each), frame lines dropped.
pub(crate) fn aggregate_message(problems: &[String]) -> String {
    let p = patterns();
    let stacks: Vec<String> = problems
        .iter()
        .map(|m| {
            let cleaned = clean_stack(&format!("ValidationError: {m}"));
            p.internal.replace_all(&cleaned, "").into_owned()
        })
        .collect();
    let message = format!("\n{}", indent(&stacks.join("\n")));
    message
        .split('\n')
        .filter(|line| !p.frame_line.is_match(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The expected texts were printed by the reference's own packages (`aggregate-error` from
/// `reference/node_modules`, the harness's frame-line filter); the conformance group
/// `action-mappings` (`track-error-*`) checks the same through the whole pipeline.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_problems_are_indented_lines() {
        assert_eq!(
            aggregate_message(&["/a x.".into(), "/b y.".into()]),
            "\n    ValidationError: /a x.\n    ValidationError: /b y."
        );
    }

    #[test]
    fn backslashes_turn_into_slashes_and_blank_lines_go() {
        // What the reference says for keys ending in `\` and holding line breaks.
        assert_eq!(
            aggregate_message(&[
                "/timezone/%}\\ should only have one @-prefixed key but it has 3 keys.".into(),
                "/k/\n\n \t\n x/@path is odd.".into(),
            ]),
            "\n    ValidationError: /timezone/%}/ should only have one @-prefixed key but it has 3 keys.\
             \n    ValidationError: /k/\n     x/@path is odd."
        );
    }

    #[test]
    fn lines_that_look_like_frames_follow_the_frame_rules() {
        // A node-internal frame is dropped by clean-stack; any `at ` line after indentation is
        // dropped as a frame line; other text stays.
        assert_eq!(
            aggregate_message(&["/k/\n at node.js:1:2 and more.".into()]),
            "\n    ValidationError: /k/"
        );
        assert_eq!(
            aggregate_message(&["/k/ at (x) y.".into()]),
            "\n    ValidationError: /k/ at (x) y."
        );
    }

    #[test]
    fn a_carriage_return_starts_an_indented_line() {
        assert_eq!(
            aggregate_message(&["/k\rv/ odd.".into()]),
            "\n    ValidationError: /k\r    v/ odd."
        );
        assert_eq!(indent(""), "");
        assert_eq!(indent("a\n"), "    a\n");
    }
}
