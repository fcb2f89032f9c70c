//! Mutations: byte-level havoc (for parsers) and structure-aware edits of JSON values (for
//! everything that takes an event or a mapping), with the keys and values that are special to
//! JavaScript or to our value layer mixed in.

use usermaven_json::{lone_surrogate_char, Object, Value};

use super::rng::Rng;

/// Keys that mean something to a JavaScript object, to mapping-kit or to our object order.
pub const HOSTILE_KEYS: &[&str] = &[
    "__proto__",
    "constructor",
    "toString",
    "valueOf",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "__defineGetter__",
    "__lookupGetter__",
    "prototype",
    "length",
    "name",
    "0",
    "1",
    "4294967294",
    "4294967295",
    "-0",
    "01",
    "1e3",
    "",
    " ",
    "$",
    "@path",
    "@template",
    "\u{0}",
    "🎉",
    "é",
    "a.b",
    "a[0]",
    "type",
    "userId",
    "properties",
    "traits",
    "context",
];

/// JSON texts of odd values: numbers at the edges, special strings, lone surrogates, emoji,
/// objects shadowing `Object.prototype` members.
pub const HOSTILE_VALUES: &[&str] = &[
    "0",
    "-0",
    "1e21",
    "1e-7",
    "9007199254740993",
    "1.7976931348623157e308",
    "5e-324",
    "1e400",
    "-1e400",
    "123456789012345678901234567890",
    "0.1",
    "-1",
    "4294967295",
    "true",
    "false",
    "null",
    "\"\"",
    "\" \"",
    "\"__proto__\"",
    "\"constructor\"",
    "\"toString\"",
    "\"🎉\"",
    "\"\\ud800\"",
    "\"\\udc00\\ud800\"",
    "\"a\\ud83c\"",
    "\"\\u0000\"",
    "\"[object Object]\"",
    "\"{{ properties.a }}\"",
    "\"2024-02-30T25:61:00Z\"",
    "\"2024-01-01T00:00:00.000Z\"",
    "\"Europe/Paris\"",
    "\"Infinity\"",
    "\"NaN\"",
    "\"1e3\"",
    "\"https://a.b/x?y=1#frag\"",
    "[]",
    "{}",
    "[null]",
    "[1,\"a\",{}]",
    "{\"__proto__\":{\"a\":1}}",
    "{\"__proto__\":1}",
    "{\"toString\":1}",
    "{\"valueOf\":\"x\"}",
    "{\"constructor\":{\"name\":\"X\"}}",
    "{\"length\":3}",
    "{\"0\":\"a\",\"b\":1,\"1\":2}",
];

/// Tokens worth inserting into JSON text.
pub const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\u",
    "\\ud800",
    "\\udc00",
    "\\u0000",
    "\\n",
    "null",
    "true",
    "false",
    "-",
    "0",
    "1e",
    "1e400",
    ".5",
    "-0",
    " ",
    "\t",
    "\n",
    "\u{feff}",
    "\u{a0}",
    "🎉",
    "\"__proto__\":",
    "\"constructor\":",
    "\"toString\":",
    "\"type\":\"track\",",
    "\"type\":\"identify\",",
    "\"userId\":\"u\",",
    "{\"a\":",
    "[[[[",
    "]]]]",
    "\u{0}",
    "\u{7f}",
];

pub fn hostile_key(rng: &mut Rng) -> String {
    if rng.chance(1, 8) {
        // A lone-surrogate stand-in: printed back as `\udXXX`.
        return lone_surrogate_char(0xD800 + rng.below(0x800) as u16).to_string();
    }
    rng.pick(HOSTILE_KEYS).to_string()
}

pub fn hostile_value(rng: &mut Rng) -> Value {
    Value::parse(rng.pick::<&str>(HOSTILE_VALUES)).unwrap_or(Value::Null)
}

/// A random value of bounded size, hostile parts included.
pub fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth == 0 { 4 } else { 7 }) {
        0 | 1 => hostile_value(rng),
        2 => Value::Number(match rng.below(4) {
            0 => rng.below(1000) as f64,
            1 => f64::from_bits(rng.next_u64()),
            2 => (rng.next_u64() as i64) as f64,
            _ => rng.below(100) as f64 / 7.0,
        })
        .finite_or_null(),
        3 => Value::str(&random_string(rng)),
        4 => Value::Array(
            (0..rng.small(4))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let mut o = Object::new();
            for _ in 0..rng.small(5) {
                let k = if rng.chance(1, 2) {
                    hostile_key(rng)
                } else {
                    random_string(rng)
                };
                o.insert(k.into(), random_value(rng, depth - 1));
            }
            Value::Object(o)
        }
    }
}

trait FiniteOrNull {
    fn finite_or_null(self) -> Value;
}

impl FiniteOrNull for Value {
    fn finite_or_null(self) -> Value {
        match self {
            Value::Number(n) if !n.is_finite() => Value::Null,
            v => v,
        }
    }
}

pub fn random_string(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "a",
        "b",
        "x",
        "track",
        "identify",
        "page",
        "group",
        "🎉",
        "é",
        "\u{0}",
        "\n",
        " ",
        "\"",
        "\\",
        "{{",
        "}}",
        "{%",
        "%}",
        "$",
        ".",
        "[0]",
        "__proto__",
        "%",
        "#",
        "?",
        "&",
        "=",
        "\u{10ffff}",
        "\u{2028}",
        "\u{feff}",
        "<",
        ">",
        "1",
        "-",
    ];
    let mut s = String::new();
    for _ in 0..rng.small(6) {
        if rng.chance(1, 10) {
            s.push(lone_surrogate_char(0xD800 + rng.below(0x800) as u16));
        } else {
            s.push_str(rng.pick::<&str>(PIECES));
        }
    }
    s
}

/// Byte-level havoc: 1–8 random edits (bit flips, byte changes, inserts of tokens, deletions,
/// duplications, splices from `other`, truncation).
pub fn havoc(rng: &mut Rng, input: &[u8], other: &[u8], tokens: &[&str]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        let len = out.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = rng.next_u64() as u8;
            }
            2 | 3 => {
                let i = rng.below(len + 1);
                let t = (*rng.pick(tokens)).as_bytes();
                out.splice(i..i, t.iter().copied());
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.small(len - i - 1);
                out.drain(i..i + n);
            }
            5 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.small((len - i - 1).min(64));
                let piece: Vec<u8> = out[i..i + n].to_vec();
                let j = rng.below(len + 1);
                out.splice(j..j, piece);
            }
            6 if !other.is_empty() => {
                let i = rng.below(other.len());
                let n = 1 + rng.small((other.len() - i - 1).min(256));
                let j = rng.below(len + 1);
                out.splice(j..j, other[i..i + n].iter().copied());
            }
            7 if len > 1 => out.truncate(rng.below(len)),
            _ => {
                let i = rng.below(len + 1);
                out.insert(i, rng.next_u64() as u8);
            }
        }
    }
    out
}

/// Nesting `depth` levels deep, of arrays or objects, around `inner`.
pub fn deep_nesting(rng: &mut Rng, depth: usize, close: bool) -> String {
    let obj = rng.chance(1, 2);
    let mut s = String::with_capacity(depth * 6);
    for _ in 0..depth {
        s.push_str(if obj { "{\"a\":" } else { "[" });
    }
    s.push('1');
    if close {
        for _ in 0..depth {
            s.push(if obj { '}' } else { ']' });
        }
    }
    s
}

/// How many nodes `v` has (itself included).
fn node_count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(node_count).sum(),
        Value::Object(o) => o.values().map(node_count).sum(),
        _ => 0,
    }
}

/// Applies `f` to the `n`-th node of `v` in pre-order; true when it was found.
fn edit_nth(v: &mut Value, n: &mut usize, f: &mut dyn FnMut(&mut Value)) -> bool {
    if *n == 0 {
        f(v);
        return true;
    }
    *n -= 1;
    match v {
        Value::Array(a) => a.iter_mut().any(|c| edit_nth(c, n, f)),
        Value::Object(o) => o.iter_mut().any(|(_, c)| edit_nth(c, n, f)),
        _ => false,
    }
}

/// One structural edit of `v`: a node replaced (by a hostile value, a random value or a piece
/// of `pool`), a key added (often a hostile one), a key removed, a node wrapped or emptied.
pub fn mutate_value(rng: &mut Rng, v: &mut Value, pool: &[Value]) {
    let mut n = rng.below(node_count(v));
    let choice = rng.below(8);
    let mut piece = if !pool.is_empty() && rng.chance(1, 2) {
        pool[rng.below(pool.len())].clone()
    } else {
        random_value(rng, 2)
    };
    let key = if rng.chance(2, 3) {
        hostile_key(rng)
    } else {
        random_string(rng)
    };
    let remove_at = rng.next_u64() as usize;
    edit_nth(
        v,
        &mut n,
        &mut |node: &mut Value| match (choice, &mut *node) {
            (0..=2, Value::Object(o)) => {
                o.insert(key.clone().into(), std::mem::take(&mut piece));
            }
            (3, Value::Object(o)) if !o.is_empty() => {
                let k = o.keys().nth(remove_at % o.len()).cloned();
                if let Some(k) = k {
                    o.remove(&k);
                }
            }
            (3, Value::Array(a)) if !a.is_empty() => {
                a.remove(remove_at % a.len());
            }
            (4, Value::Array(a)) => a.push(std::mem::take(&mut piece)),
            (5, _) => {
                let inner = std::mem::take(node);
                let mut o = Object::new();
                o.insert(key.clone().into(), inner);
                *node = Value::Object(o);
            }
            _ => *node = std::mem::take(&mut piece),
        },
    );
}

/// All sub-values of `v` that are objects with a key starting with `@` (mapping directives)
/// or strings, for splicing into other mappings.
pub fn directive_pieces(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(o) => {
            if o.keys().any(|k| k.starts_with('@')) {
                out.push(v.clone());
            }
            for c in o.values() {
                directive_pieces(c, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| directive_pieces(c, out)),
        _ => {}
    }
}

/// `v` as JSON text, printed one of several ways (compact, pretty, with extra spaces).
pub fn print(rng: &mut Rng, v: &Value) -> String {
    match rng.below(4) {
        0 => v.to_json_pretty(),
        1 => {
            let mut s = String::new();
            v.write_json_indented(&mut s, "\t");
            s
        }
        _ => v.to_json(),
    }
}
