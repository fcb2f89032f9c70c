//! `usermaven-schema`: Segment's field schemas and payload validation.
