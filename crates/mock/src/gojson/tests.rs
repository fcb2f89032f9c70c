//! Unit tests for the Go JSON port.
