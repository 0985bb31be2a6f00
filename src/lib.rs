//! # access-check
//!
//! Verifies signed eligibility attestations (identity, network location, organization) and
//! decides, per model tier, whether a user may use export-controlled AI models, with reasons a
//! person can read and a support code that lets support staff reproduce the decision.
//!
//! The same crate runs in the browser (compiled to WebAssembly, as an *advisory* pre-check that
//! spares users a wasted request) and on the server (natively, where it *enforces*). It never
//! grants on a failure: malformed input, unknown keys, bad policies and panics all end in
//! `blocked`, `action_required` or `error`.
//!
//! What it checks: JWS compact tokens (ES256, Ed25519, and RS256/PS256 with the `rsa` feature),
//! their issuers, keys, audience, times, subject and nonce bindings; the policy's requirements
//! in three-valued logic. What it does **not** do: fetch anything (callers pass keys fetched
//! from `jwks_uri`), read a clock (callers pass `now`), or store tokens.
//!
//! Start at [`core::check::check`].

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        reason = "tests fail loudly on purpose"
    )
)]

pub mod core;
#[cfg(not(target_arch = "wasm32"))]
pub mod issue;
pub mod scenario;
#[cfg(not(target_arch = "wasm32"))]
pub mod server;
#[cfg(target_arch = "wasm32")]
pub mod web;
