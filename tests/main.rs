//! Native integration tests: one binary, one module per concern. (The browser tests are the
//! `browser` test target, tests/browser/main.rs.)

#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

mod support;

mod audit;
mod cli;
mod hardening;
mod issue;
mod location;
mod policy_errors;
mod properties;
mod scenarios;
mod security;
mod server;
mod service;
mod signature_seam;
mod support_codes;
mod vectors;
mod verification_cache;
