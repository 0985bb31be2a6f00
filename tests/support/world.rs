//! A test world: the demo policy and keys, with helpers to mint tokens and vary the policy.

#![allow(dead_code, reason = "each test module uses a different part")]

use super::demo::*;
use super::mint::{with, DemoKey};
use access_check::core::base64url;
use access_check::core::check::{check, Request};
use access_check::core::codes::Code;
use access_check::core::json::Json;
use access_check::core::policy::Policy;
use access_check::core::report::Report;

pub struct World {
    pub keys: Keys,
    pub policy_json: Json,
    pub policy: Policy,
}

pub fn world() -> World {
    let keys = keys();
    let policy_json = policy(&keys);
    let policy = Policy::from_json(&policy_json).unwrap();
    World { keys, policy_json, policy }
}

pub fn run(policy: &Policy, tokens: &[String], now: u64) -> Report {
    check(policy, &Request { tokens: tokens.to_vec(), now, lang: "en".into(), ..Request::default() })
}

impl World {
    pub fn report(&self, tokens: &[String]) -> Report {
        run(&self.policy, tokens, NOW)
    }

    /// The status code of a single token: `None` when accepted.
    pub fn code(&self, token: &str) -> Option<Code> {
        self.report(&[token.to_owned()]).tokens[0].code
    }

    pub fn identity_with(&self, header: &[(&str, Json)], claims: &[(&str, Json)]) -> String {
        let key = &self.keys.idv_es256;
        key.sign_json(&with(&key.header(IDENTITY), header), &with(&identity_claims(), claims))
    }

    pub fn identity(&self) -> String {
        self.identity_with(&[], &[])
    }

    pub fn location(&self) -> String {
        let key = &self.keys.edge;
        key.sign_json(&key.header(LOCATION), &location_claims())
    }

    /// A policy variant: `edit` changes the demo policy's JSON.
    pub fn policy_with(&self, edit: impl FnOnce(&mut Json)) -> Result<Policy, String> {
        let mut policy = self.policy_json.clone();
        edit(&mut policy);
        Policy::from_json(&policy).map_err(|error| error.to_string())
    }
}

/// Signs raw header and payload text exactly as given.
pub fn sign_text(key: &DemoKey, header: &str, payload: &str) -> String {
    key.sign_segments(&base64url::encode(header.as_bytes()), &base64url::encode(payload.as_bytes()))
}

pub fn claims_text(changes: &[(&str, Json)]) -> String {
    with(&identity_claims(), changes).to_compact()
}

/// The JSON of the first (identity) issuer, mutable.
pub fn first_issuer(policy: &mut Json) -> &mut Json {
    let Json::Object(members) = policy else { panic!() };
    let (_, Json::Array(issuers)) = members.iter_mut().find(|(k, _)| k == "issuers").unwrap() else { panic!() };
    &mut issuers[0]
}

/// The JSON of the first issuer's first key, mutable.
pub fn first_key(policy: &mut Json) -> &mut Json {
    let Json::Object(issuer) = first_issuer(policy) else { panic!() };
    let (_, jwks) = issuer.iter_mut().find(|(k, _)| k == "jwks").unwrap();
    let Json::Object(jwks) = jwks else { panic!() };
    let (_, Json::Array(keys)) = &mut jwks[0] else { panic!() };
    &mut keys[0]
}

pub fn set(json: &mut Json, name: &str, value: Json) {
    *json = with(json, &[(name, value)]);
}
