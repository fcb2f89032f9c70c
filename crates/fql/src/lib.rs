//! `usermaven-fql`: Segment's FQL trigger language, as `@segment/destination-subscriptions` implements it.
