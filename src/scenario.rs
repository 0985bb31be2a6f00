//! Scenario files (`www/scenarios/*.json`): a policy, tokens, a clock and the expected outcome
//! and reason codes per tier. One source for native tests, browser tests, the CLI and the
//! support console's gallery. Parsing only; reading the file is the caller's business.

use crate::core::check::Request;
use crate::core::codes::Code;
use crate::core::fields::{Field, FieldError};
use crate::core::json::{Json, MAX_SAFE_INTEGER};
use crate::core::policy::evaluate::Outcome;
use crate::core::policy::Policy;

/// What a scenario expects of one tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub tier: String,
    pub outcome: Outcome,
    /// The reason codes, as a set.
    pub reasons: Vec<Code>,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub title: String,
    pub description: String,
    pub policy: Policy,
    pub request: Request,
    pub expected: Vec<Expected>,
}

impl Scenario {
    /// Parses a scenario document.
    ///
    /// # Errors
    /// The JSON path of the first problem (the policy's own paths are under `policy`).
    pub fn parse(text: &str) -> Result<Scenario, FieldError> {
        let json = Json::parse(text)
            .map_err(|error| FieldError { path: String::new(), message: format!("not valid JSON: {error}") })?;
        let root = Field::root(&json);
        let mut members = root.object()?;
        let title = members.required("title")?.short_string(200)?.to_owned();
        let description = members
            .optional("description")
            .map(|f| f.short_string(2000).map(str::to_owned))
            .transpose()?
            .unwrap_or_default();
        // Documentation for people: the demo-only warning and the demo signing keys.
        members.optional("demo_only");
        members.optional("demo_keys");
        let policy_field = members.required("policy")?;
        let policy = Policy::from_json(policy_field.json).map_err(|error| FieldError {
            path: if error.path.is_empty() { "policy".into() } else { format!("policy.{}", error.path) },
            message: error.message,
        })?;
        let tokens = members
            .required("tokens")?
            .bounded_array(64, true)?
            .iter()
            .map(|token| token.string().map(str::to_owned))
            .collect::<Result<Vec<_>, _>>()?;
        let now = members.required("now")?.uint(0..=MAX_SAFE_INTEGER)?;
        let server_time = members.optional("server_time").map(|f| f.uint(0..=MAX_SAFE_INTEGER)).transpose()?;
        let nonce = members.optional("nonce").map(|f| f.short_string(512).map(str::to_owned)).transpose()?;
        let tier = members.optional("tier").map(|f| f.short_string(64).map(str::to_owned)).transpose()?;
        let lang = members.optional("lang").map(|f| f.short_string(35).map(str::to_owned)).transpose()?;
        let expected_field = members.required("expected")?;
        let mut expected_members = expected_field.object()?;
        let mut expected = Vec::new();
        for (tier_id, field) in expected_members.rest() {
            if policy.tier(tier_id).is_none() {
                return Err(field.error("is not a tier of the scenario's policy"));
            }
            let mut entry = field.object()?;
            let outcome_field = entry.required("outcome")?;
            let outcome = Outcome::parse(outcome_field.string()?)
                .ok_or_else(|| outcome_field.error("must be granted, blocked, action_required or error"))?;
            let reasons = entry
                .required("reasons")?
                .bounded_array(64, true)?
                .iter()
                .map(|code| {
                    let text = code.string()?;
                    Code::parse(text).ok_or_else(|| code.error("is not a reason code"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            entry.finish()?;
            expected.push(Expected { tier: tier_id.to_owned(), outcome, reasons });
        }
        members.finish()?;
        let request = Request {
            tokens,
            tier,
            now,
            server_time,
            nonce,
            lang: lang.unwrap_or_else(|| "en".into()),
            fetched_jwks: Vec::new(),
            received_at: Vec::new(),
        };
        Ok(Scenario { title, description, policy, request, expected })
    }
}
