//! The few fields of a stored event that filters, rows and summaries read, kept next to it so
//! that a query never decodes the event.

use std::borrow::Cow;

use crate::json::fields::{pick, Fields};
use crate::json::lite::Lite;

/// Which field a position of [`EventKeys`] holds.
#[derive(Clone, Copy)]
enum Key {
    EventType,
    UserId,
    AnonymousId,
    CompanyId,
    EventId,
}

const KEYS: usize = 5;

/// `event_type`, `user.id`, `user.anonymous_id`, `company.id` and the collector's event id of an
/// enriched event, each only when it is a string.
///
/// All of them live in one allocation (they are kept for every retained event: five boxes cost
/// five allocations to make and to free, and their headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EventKeys {
    /// The present values, one after another.
    text: Box<str>,
    /// Where each value ends in `text`, `u32::MAX` when absent (values follow in [`Key`] order).
    ends: [u32; KEYS],
}

impl Default for EventKeys {
    /// None of them.
    fn default() -> Self {
        EventKeys {
            text: Box::from(""),
            ends: [u32::MAX; KEYS],
        }
    }
}

impl EventKeys {
    /// Reads them from an enriched event's entries.
    pub(crate) fn of(event: &[(Cow<'_, str>, Lite<'_>)]) -> Self {
        const TOP: &[&str] = &[
            "event_type",
            "user",
            "company",
            "eventn_ctx_event_id",
            "eventn_ctx",
        ];
        const USER: &[&str] = &["id", "anonymous_id"];
        const ID: &[&str] = &["id"];
        const CTX: &[&str] = &["event_id"];
        fn child<'e, 'a>(
            v: Option<&'e Lite<'a>>,
            names: &'static [&'static str],
        ) -> Option<Fields<'e, 'a>> {
            v.and_then(Lite::as_object).map(|m| Fields::of(m, names))
        }
        let top = Fields::of(event, TOP);
        let user = child(pick!(top, TOP, "user"), USER);
        let company = child(pick!(top, TOP, "company"), ID);
        let event_id = pick!(top, TOP, "eventn_ctx_event_id")
            .and_then(Lite::as_str)
            .or_else(|| {
                let ctx = child(pick!(top, TOP, "eventn_ctx"), CTX)?;
                pick!(ctx, CTX, "event_id").and_then(Lite::as_str)
            });
        let values: [Option<&str>; KEYS] = [
            pick!(top, TOP, "event_type").and_then(Lite::as_str),
            user.as_ref()
                .and_then(|u| pick!(u, USER, "id"))
                .and_then(Lite::as_str),
            user.as_ref()
                .and_then(|u| pick!(u, USER, "anonymous_id"))
                .and_then(Lite::as_str),
            company
                .as_ref()
                .and_then(|c| pick!(c, ID, "id"))
                .and_then(Lite::as_str),
            event_id,
        ];
        let mut text = String::with_capacity(values.iter().flatten().map(|v| v.len()).sum());
        let mut ends = [u32::MAX; KEYS];
        for (end, v) in ends.iter_mut().zip(values) {
            if let Some(v) = v {
                text.push_str(v);
                // An event is at most the body size limit; beyond 4 GiB the value is dropped.
                match u32::try_from(text.len()) {
                    Ok(n) => *end = n,
                    Err(_) => text.truncate(text.len() - v.len()),
                }
            }
        }
        EventKeys {
            text: text.into_boxed_str(),
            ends,
        }
    }

    fn get(&self, key: Key) -> Option<&str> {
        let i = key as usize;
        let end = self.ends[i];
        if end == u32::MAX {
            return None;
        }
        let start = self.ends[..i]
            .iter()
            .rev()
            .find(|&&e| e != u32::MAX)
            .map_or(0, |&e| e as usize);
        self.text.get(start..end as usize)
    }

    pub(crate) fn event_type(&self) -> Option<&str> {
        self.get(Key::EventType)
    }

    pub(crate) fn user_id(&self) -> Option<&str> {
        self.get(Key::UserId)
    }

    pub(crate) fn anonymous_id(&self) -> Option<&str> {
        self.get(Key::AnonymousId)
    }

    pub(crate) fn company_id(&self) -> Option<&str> {
        self.get(Key::CompanyId)
    }

    pub(crate) fn event_id(&self) -> Option<&str> {
        self.get(Key::EventId)
    }

    /// Bytes its text holds.
    pub(super) fn heap_len(&self) -> usize {
        self.text.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::go::{decode_lite, Target};

    fn keys(text: &str) -> EventKeys {
        match decode_lite(text.as_bytes(), Target::Event) {
            Ok(Lite::Object(e)) => EventKeys::of(&e),
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn present_absent_and_empty_values_read_back() {
        let k = keys(
            r#"{"event_type":"track","user":{"id":"","anonymous_id":"a1"},"company":{"id":7},"eventn_ctx":{"event_id":"e1"}}"#,
        );
        assert_eq!(k.event_type(), Some("track"));
        assert_eq!(k.user_id(), Some(""));
        assert_eq!(k.anonymous_id(), Some("a1"));
        assert_eq!(k.company_id(), None, "a number is not kept");
        assert_eq!(k.event_id(), Some("e1"));
        let k = keys(r#"{"eventn_ctx_event_id":"top","eventn_ctx":{"event_id":"inner"}}"#);
        assert_eq!((k.event_type(), k.event_id()), (None, Some("top")));
        assert_eq!(keys("{}"), EventKeys::default());
    }
}
