//! The shapes a destination configuration comes in, recognised from the content, and written
//! back out in another shape (`config convert`).
//!
//! - **presets**: `{settings, subscriptions: [{name, subscribe, partnerAction, mapping,
//!   enabled}], options}`, the shape of the reference's `metadata.json` presets.
//! - **Public API list**: the response of Segment's Public API "List Subscriptions from
//!   Destination", `{data: {subscriptions: [{id, name, actionId, actionSlug, destinationId,
//!   modelId, enabled, trigger, settings}], pagination}}`: `trigger` is the FQL, `actionSlug`
//!   the action's key and `settings` the mapping. Field names as in Segment's generated SDK
//!   model `DestinationSubscription` (public-api-sdk-typescript, `model/destinationSubscription.ts`).
//! - **Public API subscription**: "Get Subscription from Destination", `{data: {subscription}}`.
//! - **Public API destination**: "Get Destination", `{data: {destination: {id, name, enabled,
//!   metadata, sourceId, settings}}}` or the bare destination object, whose `settings` hold
//!   `api_key`/`server_token` (model `DestinationV1`). `data` may hold `destination` next to
//!   `subscriptions`/`subscription`, which is how `config convert --to public-api` keeps the
//!   settings with the subscriptions.
//! - **a bare array** of subscriptions in either shape.
//!
//! Locations are named in the file's own shape: `data.subscriptions[3] "Orders" settings.user_id`.

use usermaven_json::{Object, Value};

use super::{problem, warning, Problem};

/// Which shape a configuration file has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Presets,
    PublicApiList,
    PublicApiSubscription,
    PublicApiDestination,
    SubscriptionArray,
}

impl Shape {
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Presets => "preset shape (settings + subscriptions)",
            Shape::PublicApiList => "Public API list of subscriptions (data.subscriptions)",
            Shape::PublicApiSubscription => "Public API subscription (data.subscription)",
            Shape::PublicApiDestination => "Public API destination (settings only)",
            Shape::SubscriptionArray => "array of subscriptions",
        }
    }
}

/// The key names of one subscription: the preset shape's or the Public API's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Preset,
    PublicApi,
}

impl Style {
    pub fn trigger_key(self) -> &'static str {
        match self {
            Style::Preset => "subscribe",
            Style::PublicApi => "trigger",
        }
    }
    pub fn action_key(self) -> &'static str {
        match self {
            Style::Preset => "partnerAction",
            Style::PublicApi => "actionSlug",
        }
    }
    pub fn mapping_key(self) -> &'static str {
        match self {
            Style::Preset => "mapping",
            Style::PublicApi => "settings",
        }
    }
    /// Keys of the shape that the destination does not use but that belong there.
    pub fn known_keys(self) -> &'static [&'static str] {
        match self {
            Style::Preset => &[
                "name",
                "subscribe",
                "partnerAction",
                "mapping",
                "enabled",
                "type",
                "eventSlug",
            ],
            Style::PublicApi => &[
                "id",
                "name",
                "actionId",
                "actionSlug",
                "destinationId",
                "modelId",
                "enabled",
                "trigger",
                "settings",
                "reverseETLSchedule",
            ],
        }
    }
}

/// One subscription entry as found in the file.
#[derive(Debug)]
pub struct Entry<'a> {
    /// `subscriptions[2]`, `data.subscriptions[3]`, `data.subscription`, `[0]`.
    pub location: String,
    pub style: Style,
    pub value: &'a Value,
}

/// Where the parts of a configuration are in the file.
#[derive(Debug)]
pub struct Layout<'a> {
    pub shape: Shape,
    /// The destination settings object and its location (`settings`,
    /// `data.destination.settings`).
    pub settings: Option<(&'a Value, String)>,
    pub options: Option<&'a Value>,
    /// `None`: no subscriptions in the file (the four presets apply).
    pub subscriptions: Option<Vec<Entry<'a>>>,
    /// The location of the subscription list (`subscriptions`, `data.subscriptions`).
    pub list_location: String,
}

const DESTINATION_KEYS: [&str; 6] = ["id", "name", "enabled", "metadata", "sourceId", "settings"];

fn style_of(v: &Value, default: Style) -> Result<Style, &'static str> {
    let Some(o) = v.as_object() else {
        return Ok(default);
    };
    let preset = ["partnerAction", "subscribe", "mapping"]
        .iter()
        .any(|k| o.contains_key(k));
    let public = ["actionSlug", "trigger", "actionId"]
        .iter()
        .any(|k| o.contains_key(k));
    match (preset, public) {
        (true, true) => Err("mixes the preset shape (partnerAction, subscribe, mapping) with the Public API shape (actionSlug, trigger, settings)"),
        (true, false) => Ok(Style::Preset),
        (false, true) => Ok(Style::PublicApi),
        (false, false) => Ok(default),
    }
}

fn entries<'a>(
    list: &'a [Value],
    prefix: &str,
    default: Style,
    problems: &mut Vec<Problem>,
) -> Vec<Entry<'a>> {
    let mut out = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let location = format!("{prefix}[{i}]");
        match style_of(v, default) {
            Ok(style) => out.push(Entry {
                location,
                style,
                value: v,
            }),
            Err(why) => problems.push(problem(location, why)),
        }
    }
    out
}

/// Recognise the shape of `config` and find its parts. Problems are errors about the shape
/// (an unknown top-level key, a `data` that holds nothing usable).
pub fn layout<'a>(config: &'a Value, problems: &mut Vec<Problem>) -> Option<Layout<'a>> {
    if let Value::Array(list) = config {
        return Some(Layout {
            shape: Shape::SubscriptionArray,
            settings: None,
            options: None,
            subscriptions: Some(entries(list, "", Style::Preset, problems)),
            list_location: "(root)".into(),
        });
    }
    let Some(root) = config.as_object() else {
        problems.push(problem(
            "(root)",
            "a configuration must be a JSON object or an array of subscriptions",
        ));
        return None;
    };
    if let Some(data) = root.get("data") {
        return public_api(root, data, problems);
    }
    let is_destination = !root.contains_key("subscriptions")
        && root
            .keys()
            .any(|k| DESTINATION_KEYS.contains(&&**k) && &**k != "settings");
    if is_destination {
        for k in root.keys() {
            if !DESTINATION_KEYS.contains(&&**k) && &**k != "options" {
                problems.push(problem(
                    k.to_string(),
                    "unknown key for a destination object (expected id, name, enabled, metadata, sourceId, settings)",
                ));
            }
        }
        return Some(Layout {
            shape: Shape::PublicApiDestination,
            settings: root.get("settings").map(|s| (s, "settings".to_string())),
            options: root.get("options"),
            subscriptions: None,
            list_location: "subscriptions".into(),
        });
    }
    for k in root.keys() {
        if !matches!(&**k, "settings" | "subscriptions" | "options") {
            problems.push(problem(
                k.to_string(),
                "unknown key (expected settings, subscriptions, options; or Segment's Public API `data`)",
            ));
        }
    }
    let subscriptions = match root.get("subscriptions") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => Some(entries(list, "subscriptions", Style::Preset, problems)),
        Some(_) => {
            problems.push(problem("subscriptions", "must be an array"));
            Some(Vec::new())
        }
    };
    Some(Layout {
        shape: Shape::Presets,
        settings: root.get("settings").map(|s| (s, "settings".to_string())),
        options: root.get("options"),
        subscriptions,
        list_location: "subscriptions".into(),
    })
}

fn public_api<'a>(
    root: &'a Object,
    data: &'a Value,
    problems: &mut Vec<Problem>,
) -> Option<Layout<'a>> {
    for k in root.keys() {
        if !matches!(&**k, "data" | "options") {
            problems.push(problem(
                k.to_string(),
                "unknown key next to `data` (expected options)",
            ));
        }
    }
    let Some(d) = data.as_object() else {
        problems.push(problem("data", "must be an object"));
        return None;
    };
    for k in d.keys() {
        if !matches!(
            &**k,
            "subscriptions" | "subscription" | "destination" | "pagination"
        ) {
            problems.push(problem(
                format!("data.{k}"),
                "unknown key (expected subscriptions, subscription, destination, pagination)",
            ));
        }
    }
    // A paginated list with a next page holds only part of the destination's subscriptions.
    if let Some(next) = d
        .get("pagination")
        .and_then(|p| p.get("next"))
        .and_then(Value::as_str)
    {
        if !next.is_empty() {
            problems.push(warning(
                "data.pagination.next",
                "there are more subscriptions on the next page (request it with pagination.cursor and join the subscriptions arrays)",
            ));
        }
    }
    let settings = match d.get("destination") {
        None => None,
        Some(dest) => match dest.as_object() {
            Some(o) => {
                for k in o.keys() {
                    if !DESTINATION_KEYS.contains(&&**k) {
                        problems.push(problem(
                            format!("data.destination.{k}"),
                            "unknown key for a destination object (expected id, name, enabled, metadata, sourceId, settings)",
                        ));
                    }
                }
                o.get("settings")
                    .map(|s| (s, "data.destination.settings".to_string()))
            }
            None => {
                problems.push(problem("data.destination", "must be an object"));
                None
            }
        },
    };
    let (shape, subscriptions, list_location) =
        match (d.get("subscriptions"), d.get("subscription")) {
            (Some(_), Some(_)) => {
                problems.push(problem(
                    "data",
                    "holds both `subscriptions` and `subscription`; give one",
                ));
                return None;
            }
            (Some(Value::Array(list)), None) => (
                Shape::PublicApiList,
                Some(entries(
                    list,
                    "data.subscriptions",
                    Style::PublicApi,
                    problems,
                )),
                "data.subscriptions",
            ),
            (Some(_), None) => {
                problems.push(problem("data.subscriptions", "must be an array"));
                (Shape::PublicApiList, Some(Vec::new()), "data.subscriptions")
            }
            (None, Some(one)) => {
                let mut found = Vec::new();
                match style_of(one, Style::PublicApi) {
                    Ok(style) => found.push(Entry {
                        location: "data.subscription".into(),
                        style,
                        value: one,
                    }),
                    Err(why) => problems.push(problem("data.subscription", why)),
                }
                (
                    Shape::PublicApiSubscription,
                    Some(found),
                    "data.subscription",
                )
            }
            (None, None) => {
                if d.get("destination").is_none() {
                    problems.push(problem(
                        "data",
                        "holds no subscriptions, subscription or destination",
                    ));
                    return None;
                }
                (Shape::PublicApiDestination, None, "data.subscriptions")
            }
        };
    Some(Layout {
        shape,
        settings,
        options: root.get("options"),
        subscriptions,
        list_location: list_location.into(),
    })
}

/// The target of `config convert`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `{settings, subscriptions, options}`.
    Presets,
    /// `{data: {destination: {settings}, subscriptions}, options}`: a list response with the
    /// destination (and so its settings) next to the subscriptions.
    PublicApi,
}

/// Write the configuration laid out by `layout` in the `to` shape. Everything the destination
/// uses is carried over as written (secrets keep their `$env` forms, mappings their key order):
/// settings, options, and each subscription's name, action, trigger, enabled and mapping. The
/// Public API's ids (`id`, `actionId`, `destinationId`, `modelId`) are kept when writing the
/// Public API shape from it and dropped in the preset shape, which has no place for them.
pub fn convert(layout: &Layout<'_>, to: Target) -> Value {
    let mut root = Object::new();
    let subscriptions = layout
        .subscriptions
        .as_ref()
        .map(|list| Value::Array(list.iter().map(|e| convert_subscription(e, to)).collect()));
    match to {
        Target::Presets => {
            if let Some((s, _)) = layout.settings {
                root.set("settings", s.clone());
            }
            if let Some(list) = subscriptions {
                root.set("subscriptions", list);
            }
        }
        Target::PublicApi => {
            let mut data = Object::new();
            if let Some((s, _)) = layout.settings {
                let mut dest = Object::new();
                dest.set("settings", s.clone());
                data.set("destination", Value::Object(dest));
            }
            if let Some(list) = subscriptions {
                data.set("subscriptions", list);
            }
            root.set("data", Value::Object(data));
        }
    }
    if let Some(o) = layout.options {
        root.set("options", o.clone());
    }
    Value::Object(root)
}

fn convert_subscription(e: &Entry<'_>, to: Target) -> Value {
    let Some(src) = e.value.as_object() else {
        return e.value.clone();
    };
    let from = e.style;
    let get = |k: &str| src.get(k).cloned();
    let mut out = Object::new();
    match to {
        Target::Presets => {
            if let Some(v) = get("name") {
                out.set("name", v);
            }
            if let Some(v) = get(from.trigger_key()) {
                out.set("subscribe", v);
            }
            if let Some(v) = get(from.action_key()) {
                out.set("partnerAction", v);
            }
            out.set("enabled", get("enabled").unwrap_or(Value::Bool(true)));
            out.set(
                "mapping",
                get(from.mapping_key()).unwrap_or(Value::Object(Object::new())),
            );
        }
        Target::PublicApi => {
            if from == Style::PublicApi {
                if let Some(v) = get("id") {
                    out.set("id", v);
                }
            }
            if let Some(v) = get("name") {
                out.set("name", v);
            }
            if from == Style::PublicApi {
                if let Some(v) = get("actionId") {
                    out.set("actionId", v);
                }
            }
            if let Some(v) = get(from.action_key()) {
                out.set("actionSlug", v);
            }
            if from == Style::PublicApi {
                for k in ["destinationId", "modelId"] {
                    if let Some(v) = get(k) {
                        out.set(k, v);
                    }
                }
            }
            out.set("enabled", get("enabled").unwrap_or(Value::Bool(true)));
            if let Some(v) = get(from.trigger_key()) {
                out.set("trigger", v);
            }
            out.set(
                "settings",
                get(from.mapping_key()).unwrap_or(Value::Object(Object::new())),
            );
        }
    }
    Value::Object(out)
}
