//! Usermaven field shapes (placeholder, filled below).
