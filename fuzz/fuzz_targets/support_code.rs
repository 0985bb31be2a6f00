//! `support_code`: fuzzed bytes as a pasted support code.
//!
//! The low two bits of the first byte pick how the rest becomes a code:
//! - 0: the rest, as UTF-8, is the code as pasted;
//! - 1: `AC1-` + the rest (UTF-8), so half the text inputs start past the prefix check;
//! - 2, 3: the rest is the binary record itself: the target appends its real checksum (first 4
//!   bytes of SHA-256) and base64url-encodes it behind `AC1-`. Without this the checksum stops
//!   every mutation of a valid code, and the record reader would only ever see the seeds.
//!
//! Asserts, for every code `support::decode` accepts:
//! 1. no panic;
//! 2. `encode` of the record decodes again, to an equal record;
//! 3. `replay` with the demo policy, and without a policy, does not panic, and the replayed
//!    report's JSON re-parses.

#![no_main]

use std::sync::OnceLock;

use access_check::core::base64url;
use access_check::core::check::replay;
use access_check::core::json::Json;
use access_check::core::policy::Policy;
use access_check::core::support;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

const POLICY: &str = include_str!("../../www/policy.json");

fn demo_policy() -> &'static Policy {
    static POLICY_CELL: OnceLock<Policy> = OnceLock::new();
    POLICY_CELL.get_or_init(|| Policy::parse(POLICY).expect("www/policy.json parses"))
}

fn code_of(data: &[u8]) -> Option<String> {
    let (&form, rest) = data.split_first()?;
    Some(match form & 3 {
        0 => std::str::from_utf8(rest).ok()?.to_owned(),
        1 => format!("{}{}", support::PREFIX, std::str::from_utf8(rest).ok()?),
        _ => {
            let mut bytes = rest.to_vec();
            bytes.extend_from_slice(&Sha256::digest(rest)[..4]);
            format!("{}{}", support::PREFIX, base64url::encode(&bytes))
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(code) = code_of(data) else {
        return;
    };
    let Ok(record) = support::decode(&code) else {
        return;
    };
    let again = support::encode(&record);
    match support::decode(&again) {
        Ok(decoded) => assert_eq!(decoded, record, "encode/decode changed the record"),
        Err(error) => panic!("re-encoded record does not decode ({error}): {again}"),
    }

    for policy in [Some(demo_policy()), None] {
        if let Ok(report) = replay(&code, policy, None) {
            let json = report.to_json().to_compact();
            if let Err(error) = Json::parse(&json) {
                panic!("replayed report's JSON does not re-parse ({error}): {json}");
            }
        }
    }
});
