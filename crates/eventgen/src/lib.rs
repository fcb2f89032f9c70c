//! `usermaven-eventgen`: seeded Segment-Spec events, for the conformance harness's property and
//! differential stages and for `usermaven-actions diff --generate N`: one generator, so a seed
//! names the same events everywhere.
//!
//! [`event`] is a proptest strategy over events of any type (track, identify, group, page,
//! screen, alias, or garbage) where every field may be present, absent, `null`, empty or of the
//! wrong type, with arbitrary unicode, numbers at the edges and random nesting. The RNG is
//! ChaCha seeded from a run seed and a stream number ([`runner`]), so a `(seed, stream)` always
//! generates the same events, and value trees can be shrunk by the harness. [`generate`] draws
//! `n` events from stream [`PROPERTY_STREAM`], the stream the harness's property stage uses.
//!
//! Changing a strategy changes what every seed generates; the harness's seeded runs and the
//! committed `diff --generate` outputs depend on it.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use usermaven_json::{Object, Value};

/// The stream of the harness's property stage (and of [`generate`]).
pub const PROPERTY_STREAM: u64 = 1;
/// The stream of the harness's differential stage.
pub const DIFFERENTIAL_STREAM: u64 = 2;

/// `n` events from `seed` on [`PROPERTY_STREAM`]: the events the harness's property stage
/// checks for `--seed seed`, in order. Never fails: proptest's generator gives up only on
/// filters, and none of these filters can reject every value.
pub fn generate(seed: u64, n: u32) -> Vec<Value> {
    let strategy = event();
    let mut runner = runner(seed, PROPERTY_STREAM, n);
    (0..n)
        .filter_map(|_| strategy.new_tree(&mut runner).ok().map(|t| t.current()))
        .collect()
}

/// A 32-byte ChaCha seed from a run seed (and a stream number, so stages differ).
pub fn seed32(seed: u64, stream: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..8].copy_from_slice(&seed.to_le_bytes());
    out[8..16].copy_from_slice(&stream.to_le_bytes());
    out[16..24].copy_from_slice(&(seed ^ 0x9E37_79B9_7F4A_7C15).to_le_bytes());
    out[24..].copy_from_slice(&stream.wrapping_mul(0xD6E8_FEB8_6659_FD93).to_le_bytes());
    out
}

/// The deterministic runner: ChaCha from `seed32(seed, stream)`.
pub fn runner(seed: u64, stream: u64, cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    };
    TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed32(seed, stream)),
    )
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

fn s(v: &str) -> Value {
    Value::str(v)
}

fn edge_number() -> BoxedStrategy<f64> {
    prop_oneof![
        prop::sample::select(vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.5,
            1e21,
            1e-7,
            123456789012345680000.0,
            9007199254740991.0,
            9007199254740993.0,
            -9007199254740993.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            1280.0,
            1280.5,
            4294967296.0,
            -2147483649.0,
        ]),
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        (-2000i64..2000).prop_map(|i| i as f64),
    ]
    .boxed()
}

fn unicode_text() -> BoxedStrategy<String> {
    prop_oneof![
        vec(any::<char>(), 0..12).prop_map(|v| v.into_iter().collect()),
        "[a-zA-Z0-9 _.@/-]{1,12}",
        prop::sample::select(vec![
            "💥 ünïcödé",
            "日本語テキスト",
            "עברית RTL \u{202e}",
            "zero\u{200b}width",
            "nul\u{0}ctl\u{1f}",
            "quote\"back\\slash",
            "  padded  ",
            "null",
            "undefined",
            "0",
            "true",
            "{{ event }}",
            "e\u{301}",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

fn text() -> BoxedStrategy<Value> {
    unicode_text().prop_map(|t| s(&t)).boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-z_]{1,8}",
        1 => prop::sample::select(vec!["0", "1", "42", "01", "-1", "é", "a.b", "$", "💥", ""])
            .prop_map(str::to_string),
        1 => unicode_text(),
    ]
    .boxed()
}

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        edge_number().prop_map(Value::Number),
        text(),
    ]
    .boxed()
}

/// Any JSON value, nested up to 4 levels.
fn any_value() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..4).prop_map(Value::Array),
                vec((key(), inner), 0..4).prop_map(|kv| {
                    let mut o = Object::new();
                    for (k, v) in kv {
                        o.set(&k, v);
                    }
                    Value::Object(o)
                }),
            ]
        })
        .boxed()
}

/// A field: mostly a good value, else absent, `null`, `""` or any value (usually the wrong type).
fn field(good: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    // Absent first: proptest shrinks a union towards its first alternative.
    prop_oneof![
        2 => Just(None),
        8 => good.prop_map(Some),
        1 => Just(Some(Value::Null)),
        1 => Just(Some(s(""))),
        1 => any_value().prop_map(Some),
    ]
    .boxed()
}

fn pick(values: &[&'static str]) -> BoxedStrategy<Value> {
    prop::sample::select(values.to_vec()).prop_map(s).boxed()
}

fn or_text(good: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![4 => good, 1 => text()].boxed()
}

/// An object of named fields (each possibly absent) plus a few random extra keys.
fn object(
    fields: Vec<(&'static str, BoxedStrategy<Option<Value>>)>,
    extras: usize,
) -> BoxedStrategy<Value> {
    let names: Vec<&'static str> = fields.iter().map(|f| f.0).collect();
    let strategies: Vec<BoxedStrategy<Option<Value>>> = fields.into_iter().map(|f| f.1).collect();
    (strategies, vec((key(), any_value()), 0..=extras))
        .prop_map(move |(values, extra)| {
            let mut o = Object::new();
            for (n, v) in names.iter().zip(values) {
                if let Some(v) = v {
                    o.set(n, v);
                }
            }
            for (k, v) in extra {
                if !o.contains_key(&k) {
                    o.set(&k, v);
                }
            }
            Value::Object(o)
        })
        .boxed()
}

fn id() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => "u_[0-9a-f]{1,8}".prop_map(|t| s(&t)),
        1 => pick(&["a3f1c2d4-5e6f-4a8b-9c0d-1e2f3a4b5c6d", "user@example.com"]),
        1 => edge_number().prop_map(Value::Number),
        1 => text(),
    ]
    .boxed()
}

fn email() -> BoxedStrategy<Value> {
    or_text(
        "[a-z]{1,6}(\\+[a-z]{1,3})?@example\\.(com|org)"
            .prop_map(|t| s(&t))
            .boxed(),
    )
}

fn timestamp() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => pick(&[
            "2024-06-15T12:34:56.789Z",
            "2024-02-29T00:00:00Z",
            "2023-12-31T23:59:59.999+05:30",
            "1970-01-01T00:00:00.000Z",
            "2024-06-15",
            "not a date",
        ]),
        1 => edge_number().prop_map(Value::Number),
    ]
    .boxed()
}

fn timezone() -> BoxedStrategy<Value> {
    or_text(pick(&[
        "Europe/Berlin",
        "Asia/Kolkata",
        "America/New_York",
        "UTC",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "Invalid/Zone",
        "utc",
    ]))
}

fn url() -> BoxedStrategy<Value> {
    or_text(pick(&[
        "https://www.example.com/pricing?plan=pro#top",
        "http://[::1]:8080/x",
        "https://example.com:0443/a b",
        "myapp://deep/link",
        "/relative/path",
        "https://bücher.example/ü?q=é",
        "mailto:someone@example.com",
        "https://1.2.3/",
        "https://user:pw@example.com./",
        "https://example.com:65536/",
    ]))
}

fn dimension() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => edge_number().prop_map(Value::Number),
        1 => pick(&["1280", "720.0", "abc", "-1"]),
        1 => any::<bool>().prop_map(Value::Bool),
    ]
    .boxed()
}

fn event_name() -> BoxedStrategy<Value> {
    or_text(pick(&[
        "Order Completed",
        "Button Clicked",
        "Product Viewed",
        "Signed Up",
        "Audience Entered",
    ]))
}

fn traits() -> BoxedStrategy<Value> {
    object(
        vec![
            ("email", field(email())),
            ("first_name", field(text())),
            ("last_name", field(text())),
            ("name", field(text())),
            ("created_at", field(timestamp())),
            ("timezone", field(timezone())),
            ("plan", field(pick(&["pro", "free"]))),
            ("company", field(any_value())),
        ],
        3,
    )
}

fn products() -> BoxedStrategy<Value> {
    vec(
        object(
            vec![
                ("product_id", field(id())),
                (
                    "price",
                    field(edge_number().prop_map(Value::Number).boxed()),
                ),
                (
                    "quantity",
                    field(edge_number().prop_map(Value::Number).boxed()),
                ),
            ],
            1,
        ),
        0..4,
    )
    .prop_map(Value::Array)
    .boxed()
}

fn properties() -> BoxedStrategy<Value> {
    object(
        vec![
            ("email", field(email())),
            ("created_at", field(timestamp())),
            ("name", field(text())),
            ("first_name", field(text())),
            ("timezone", field(timezone())),
            ("url", field(url())),
            (
                "total",
                field(edge_number().prop_map(Value::Number).boxed()),
            ),
            ("products", field(products())),
            ("maybe", field(any_value())),
        ],
        4,
    )
}

fn context() -> BoxedStrategy<Value> {
    let page = object(
        vec![
            ("path", field(or_text(pick(&["/", "/pricing", "/a/b?c"])))),
            ("search", field(or_text(pick(&["?plan=pro", "", "?q=é"])))),
            ("title", field(text())),
            ("referrer", field(url())),
            ("url", field(url())),
        ],
        1,
    );
    let campaign = object(
        vec![
            ("source", field(text())),
            ("medium", field(text())),
            ("name", field(text())),
            ("term", field(text())),
            ("content", field(text())),
        ],
        1,
    );
    let screen = object(
        vec![
            ("width", field(dimension())),
            ("height", field(dimension())),
            ("density", field(dimension())),
        ],
        1,
    );
    let ctx_traits = object(
        vec![
            ("email", field(email())),
            ("created_at", field(timestamp())),
        ],
        1,
    );
    let personas = object(
        vec![
            ("computation_class", field(pick(&["audience", "trait"]))),
            ("computation_key", field(text())),
        ],
        1,
    );
    object(
        vec![
            (
                "ip",
                field(or_text(pick(&[
                    "203.0.113.24",
                    "2001:db8::1",
                    "::ffff:1.2.3.4",
                ]))),
            ),
            ("locale", field(or_text(pick(&["en-US", "de-DE", "pt_BR"])))),
            ("userAgent", field(text())),
            ("page", field(page)),
            ("campaign", field(campaign)),
            ("screen", field(screen)),
            ("traits", field(ctx_traits)),
            (
                "personas",
                prop_oneof![4 => Just(None), 1 => field(personas)].boxed(),
            ),
            ("timezone", field(timezone())),
        ],
        2,
    )
}

/// A Segment-Spec event of any type (track, identify, group, page, screen, alias, or garbage).
pub fn event() -> BoxedStrategy<Value> {
    let kind = pick(&[
        "track", "track", "track", "identify", "identify", "group", "group", "page", "page",
        "screen", "alias",
    ]);
    object(
        vec![
            (
                "messageId",
                field(or_text(pick(&["ajs-1", "msg-00000000-0000"]))),
            ),
            ("timestamp", field(timestamp())),
            (
                "type",
                prop_oneof![12 => kind.prop_map(Some), 1 => field(text())].boxed(),
            ),
            ("event", field(event_name())),
            ("name", field(text())),
            ("userId", field(id())),
            ("anonymousId", field(id())),
            ("groupId", field(id())),
            ("traits", field(traits())),
            ("properties", field(properties())),
            (
                "context",
                prop_oneof![6 => context().prop_map(Some), 1 => field(context())].boxed(),
            ),
        ],
        2,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        let strategy = event();
        let gen = |seed| {
            let mut r = runner(seed, 1, 8);
            (0..8)
                .map(|_| strategy.new_tree(&mut r).unwrap().current().to_json())
                .collect::<Vec<_>>()
        };
        assert_eq!(gen(7), gen(7));
        assert_ne!(gen(7), gen(8));
        let drawn: Vec<String> = generate(7, 8).iter().map(Value::to_json).collect();
        assert_eq!(drawn, gen(7));
    }
}
