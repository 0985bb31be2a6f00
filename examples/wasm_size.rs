//! A wasm32 program that runs the whole core once, so a release build keeps every part a
//! browser would use (`./dev size`). Inputs come through `black_box`, so nothing is folded away.

use access_check::core::check::{check, replay, Request};
use access_check::core::policy::Policy;
use std::hint::black_box;

fn main() {
    let policy_text: String = black_box(String::new());
    let tokens: Vec<String> = black_box(Vec::new());
    if let Ok(policy) = Policy::parse(&policy_text) {
        let report = check(
            &policy,
            &Request { tokens, now: black_box(0), lang: black_box(String::new()), ..Request::default() },
        );
        black_box(report.to_json().to_compact());
        black_box(replay(&report.support_code, Some(&policy), None).map(|r| r.to_json().to_compact()).ok());
    }
}
