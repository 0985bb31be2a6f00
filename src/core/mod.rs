//! The functional core: pure Rust, no I/O, no clock, no browser. Every decision is made here.
//!
//! - [`token`]: untrusted string → verified attestation or a rejection code
//! - [`policy`]: the policy document and its three-valued evaluation
//! - [`explain`]: decisions → sentences, from the message catalogues
//! - [`support`]: support codes
//! - [`report`]: the report (the JSON/JS contract)
//! - [`check`]: the pipeline every caller uses
//! - [`audit`]: audit-trail records, their hash chain and checkpoints
//! - [`input`]: the JavaScript `evaluate(input)` contract, read from JSON

pub use crate::string_enum;

pub mod audit;
pub mod base64url;
pub mod check;
pub mod codes;
pub mod explain;
pub mod facts;
pub mod fields;
pub mod input;
pub mod json;
pub mod policy;
pub mod remedy;
pub mod report;
mod string_enum;
pub mod support;
pub mod time;
pub mod token;
pub mod unique;
pub mod url;
