//! `usermaven-mapping`: Segment's mapping-kit (`packages/core/src/mapping-kit/`).
