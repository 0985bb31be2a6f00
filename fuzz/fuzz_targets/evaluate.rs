//! `evaluate`: fuzzed bytes as the JSON input of the JavaScript `evaluate(input)`
//! (`core::input::evaluate`), at `now` = 1795305600 when the input gives none.
//!
//! Run with `-timeout` and `-max_len` up to the input limit (1 MiB, see README.md): the input
//! reader must be linear, so an input that takes seconds is a finding (libFuzzer reports it as
//! a timeout), as the quadratic member check of the first review was.
//!
//! Asserts, for every input:
//! 1. no panic;
//! 2. an error names what is wrong (a non-empty message);
//! 3. a report's JSON re-parses, its size is bounded by the limits (token records at most
//!    `MAX_TOKEN_RECORDS`), and its support code decodes and replays under the same policy to
//!    the same outcome per tier.

#![no_main]

use access_check::core::check::replay;
use access_check::core::input;
use access_check::core::json::Json;
use access_check::core::policy::Policy;
use access_check::core::support;
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_795_305_600;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let report = match input::evaluate(text, NOW) {
        Ok(report) => report,
        Err(error) => {
            assert!(!error.message.is_empty(), "an error without a message");
            return;
        }
    };
    assert!(report.tokens.len() <= support::MAX_TOKEN_RECORDS, "{} token records", report.tokens.len());
    let json = report.to_json().to_compact();
    if let Err(error) = Json::parse(&json) {
        panic!("report JSON does not re-parse ({error}): {json:.400}");
    }
    if let Err(error) = support::decode(&report.support_code) {
        panic!("the widget's own support code does not decode ({error}): {}", report.support_code);
    }
    // The same policy, read the way `evaluate` read it, re-derives the same outcomes.
    let policy = Json::parse(text).ok().and_then(|input| {
        let field = input.get("policy")?.clone();
        match field {
            Json::String(text) => Policy::parse(&text).ok(),
            other => Policy::from_json(&other).ok(),
        }
    });
    if let Some(policy) = policy {
        match replay(&report.support_code, Some(&policy), None) {
            Ok(replayed) => {
                let outcomes = |tiers: &[access_check::core::report::TierReport]| {
                    tiers.iter().map(|tier| tier.outcome).collect::<Vec<_>>()
                };
                assert_eq!(outcomes(&replayed.tiers), outcomes(&report.tiers), "replay changed an outcome");
            }
            Err(error) => panic!("the widget's own support code does not replay ({error})"),
        }
    }
});
