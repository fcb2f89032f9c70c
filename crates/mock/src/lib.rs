//! `usermaven-mock`: a faithful local stand-in for Usermaven's ingestion API.
