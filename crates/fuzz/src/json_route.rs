//! Target `json-route`: JSON text → `Destination::route_text` (the fused fast path where it
//! applies) against `Value::parse` + `Destination::route` on a destination with the fast path
//! off. Both must give the same results — requests, errors, generated ids, the id stream used
//! the same way — or the same parse error; neither may panic, and deep nesting must be an
//! error, not a stack overflow.

use usermaven_destination::{
    ActionKind, Destination, Env, FixedEnv, Options, Routed, Settings, Subscription,
};
use usermaven_json::Value;

use super::mutate::{deep_nesting, havoc, mutate_value, print, HOSTILE_VALUES, JSON_TOKENS};
use super::rng::Rng;
use super::seeds::Seeds;
use super::Target;

/// Triggers for the user-built destination: every shape the fast path plans for.
const TRIGGERS: &[&str] = &[
    "type = \"track\"",
    "type = \"identify\" or type = \"page\"",
    "type = \"track\" and event != \"Skip\"",
    "properties.total > 20",
    "event = \"Order Completed\" and properties.a exists",
    "context.library.name = \"analytics.js\" or userId != \"x\"",
    "type = \"group\" and traits.name contains \"a\"",
    "",
    "type = ",
];

pub struct JsonRoute {
    seeds: Vec<String>,
    values: Vec<Value>,
    /// (fast path on, fast path off) pairs.
    pairs: Vec<(Destination, Destination)>,
    /// Results compared, and how many of them the fused fast path produced.
    results: u64,
    fused: u64,
    parse_errors: u64,
}

fn pair(
    settings: &Settings,
    fix: bool,
    subs: Option<Vec<Subscription>>,
) -> (Destination, Destination) {
    let fast = Options {
        fixes: usermaven_destination::Fixes {
            fix_company_custom: fix,
            ..Default::default()
        },
        ..Options::default()
    };
    let general = Options {
        fused: false,
        ..fast.clone()
    };
    match subs {
        None => (
            Destination::new(settings.clone(), fast),
            Destination::new(settings.clone(), general),
        ),
        Some(s) => (
            Destination::with_subscriptions(settings.clone(), fast, s.clone()),
            Destination::with_subscriptions(settings.clone(), general, s),
        ),
    }
}

impl JsonRoute {
    pub fn new(seeds: Seeds) -> JsonRoute {
        let settings = Settings::new("fuzz-key", "fuzz-token");
        let mut subs = Vec::new();
        for (i, t) in TRIGGERS.iter().enumerate() {
            let kind = ActionKind::PRESET_ORDER[i % ActionKind::PRESET_ORDER.len()];
            subs.push(Subscription::new(
                &format!("s{i}"),
                kind,
                t,
                &kind.action().default_mapping,
            ));
        }
        for (i, m) in seeds.mappings.iter().take(40).enumerate() {
            let kind = ActionKind::PRESET_ORDER[i % ActionKind::PRESET_ORDER.len()];
            subs.push(Subscription::new(
                &format!("m{i}"),
                kind,
                TRIGGERS[i % 4],
                m,
            ));
        }
        let pairs = vec![
            pair(&settings, false, None),
            pair(&settings, true, None),
            pair(&settings, false, Some(subs)),
        ];
        let values = seeds
            .events
            .iter()
            .filter_map(|e| Value::parse(e).ok())
            .collect();
        JsonRoute {
            seeds: seeds.events,
            values,
            pairs,
            results: 0,
            fused: 0,
            parse_errors: 0,
        }
    }
}

fn summary(r: &[Routed]) -> Vec<String> {
    r.iter()
        .map(|r| {
            format!(
                "{} {} {} {:?} {:?}",
                r.index, r.subscription, r.generated_id, r.action, r.result
            )
        })
        .collect()
}

/// The two paths on one text; `Err` describes the difference. `Ok` holds how many results
/// there were and how many came from the fused path (`None`: the text does not parse).
pub fn compare(
    fast: &Destination,
    general: &Destination,
    text: &str,
) -> Result<Option<(u64, u64)>, String> {
    let now = "2025-03-14T09:30:00Z"
        .parse()
        .map_err(|_| "bad now".to_string())?;
    let mut env_a = FixedEnv::new(now, 11);
    let mut env_b = FixedEnv::new(now, 11);
    let a = fast.route_text(text, &mut env_a);
    let b = Value::parse(text).map(|e| general.route(&e, &mut env_b));
    match (&a, &b) {
        (Ok(a), Ok(b)) => {
            let (sa, sb) = (summary(a), summary(b));
            if sa != sb {
                return Err(format!(
                    "route_text and route differ\n  route_text: {sa:?}\n  route:      {sb:?}"
                ));
            }
            if env_a.generate_id() != env_b.generate_id() {
                return Err("route_text and route used the id stream differently".into());
            }
            Ok(Some((
                a.len() as u64,
                a.iter().filter(|r| r.fused).count() as u64,
            )))
        }
        (Err(a), Err(b)) if a == b => Ok(None),
        _ => Err(format!(
            "route_text and parse+route disagree on the parse\n  route_text: {:?}\n  parse: {:?}",
            a.as_ref().map(|r| summary(r)),
            b.as_ref().map(|r| summary(r))
        )),
    }
}

impl Target for JsonRoute {
    fn name(&self) -> &'static str {
        "json-route"
    }

    fn input(&mut self, rng: &mut Rng) -> Vec<u8> {
        match rng.below(12) {
            // A seed event as it is, printed one of several ways (the fast path's home ground).
            10 | 11 => {
                let v = &self.values[rng.below(self.values.len())];
                print(rng, v).into_bytes()
            }
            // Structural edits of a seed event, printed one of several ways.
            0..=4 => {
                let mut v = self.values[rng.below(self.values.len())].clone();
                for _ in 0..1 + rng.small(3) {
                    mutate_value(rng, &mut v, &[]);
                }
                print(rng, &v).into_bytes()
            }
            // The value at one path replaced in the text, keeping the rest byte-identical.
            5 => {
                let text = &self.seeds[rng.below(self.seeds.len())];
                let at = text.find(":").map(|i| i + 1).unwrap_or(0);
                let end = text[at..]
                    .find([',', '}'])
                    .map(|i| at + i)
                    .unwrap_or(text.len());
                let mut out = text[..at].to_string();
                out.push_str(rng.pick::<&str>(HOSTILE_VALUES));
                out.push_str(&text[end..]);
                out.into_bytes()
            }
            6 => {
                let depth = 1 + rng.small(50_000);
                let close = rng.chance(1, 2);
                deep_nesting(rng, depth, close).into_bytes()
            }
            // Byte havoc on a seed.
            _ => {
                let a = self.seeds[rng.below(self.seeds.len())].as_bytes();
                let b = self.seeds[rng.below(self.seeds.len())].as_bytes();
                havoc(rng, a, b, JSON_TOKENS)
            }
        }
    }

    fn check(&mut self, input: &[u8]) -> Result<(), String> {
        let text = String::from_utf8_lossy(input);
        for (fast, general) in &self.pairs {
            match compare(fast, general, &text)? {
                Some((n, f)) => {
                    self.results += n;
                    self.fused += f;
                }
                None => self.parse_errors += 1,
            }
        }
        Ok(())
    }

    fn notes(&self) -> Vec<String> {
        vec![format!(
            "{} results compared, {} of them from the fused fast path; {} texts did not parse (same error on both paths)",
            self.results, self.fused, self.parse_errors
        )]
    }
}
