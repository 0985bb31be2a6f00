//! Three-valued evaluation of a tier's requirement (SPEC §4).
//!
//! A test is **unknown** when the attestation it needs is missing or was rejected, when identity
//! proofing is stale or too weak, or when an anonymizer hides the true location; otherwise it is
//! true or false by its fields. `all`, `any` and `not` combine as Kleene logic. Each branch
//! carries the reasons that decided it, so a tier's reasons name exactly the tests that made
//! the outcome what it is.

use super::requirement::{IdentityTest, LocationTest, OrganizationTest, Requirement};
use super::Tier;
use crate::core::codes::Code;
use crate::core::facts::{IdentityFacts, Kind, LocationFacts, OrganizationFacts};

/// The value of a test or requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn as_str(self) -> &'static str {
        match self {
            Tri::True => "true",
            Tri::False => "false",
            Tri::Unknown => "unknown",
        }
    }
}

/// A tier's outcome (stable spellings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Granted,
    Blocked,
    ActionRequired,
    Error,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Outcome::Granted, Outcome::Blocked, Outcome::ActionRequired, Outcome::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Granted => "granted",
            Outcome::Blocked => "blocked",
            Outcome::ActionRequired => "action_required",
            Outcome::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|outcome| outcome.as_str() == text)
    }
}

/// A value that explains a reason: `{"country": "IR"}`, `{"max_age_days": 365}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Text(String),
    Number(i64),
    List(Vec<String>),
}

/// A reason code with the facts needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: Code,
    pub params: Vec<(&'static str, Param)>,
}

impl Reason {
    pub fn new(code: Code) -> Reason {
        Reason { code, params: Vec::new() }
    }

    pub fn with(mut self, name: &'static str, value: Param) -> Reason {
        self.params.push((name, value));
        self
    }

    pub fn text(self, name: &'static str, value: &str) -> Reason {
        self.with(name, Param::Text(value.to_owned()))
    }

    pub fn number(self, name: &'static str, value: u64) -> Reason {
        self.with(name, Param::Number(i64::try_from(value).unwrap_or(i64::MAX)))
    }

    pub fn signed(self, name: &'static str, value: i64) -> Reason {
        self.with(name, Param::Number(value))
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|(key, _)| *key == name).map(|(_, value)| value)
    }
}

/// One evaluated field of one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub path: String,
    pub result: Tri,
    pub code: Code,
}

/// A tier's decision with its diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierDecision {
    pub id: String,
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
    pub checks: Vec<Check>,
    /// The earliest expiry among the time-bound facts evaluation used (an authorization's
    /// `exp`, the end of proofing's freshness), on the scale of token `exp`: the decision
    /// holds until `valid_until + leeway`.
    pub valid_until: Option<u64>,
}

/// The facts one evaluation may use, per kind, or why there are none (the reason code of a
/// missing or rejected attestation).
///
/// Only the crate builds it: from verified attestations ([`crate::core::check`]) or from a
/// support code's recorded facts (replay). Nothing else can reach evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub(crate) identity: Result<IdentityFacts, Code>,
    pub(crate) location: Result<LocationFacts, Code>,
    pub(crate) organization: Result<OrganizationFacts, Code>,
}

impl Evidence {
    pub fn identity(&self) -> Result<&IdentityFacts, Code> {
        self.identity.as_ref().map_err(|code| *code)
    }
    pub fn location(&self) -> Result<&LocationFacts, Code> {
        self.location.as_ref().map_err(|code| *code)
    }
    pub fn organization(&self) -> Result<&OrganizationFacts, Code> {
        self.organization.as_ref().map_err(|code| *code)
    }
}

/// The code for an absent attestation of `kind`.
pub fn missing_code(kind: Kind) -> Code {
    match kind {
        Kind::Identity => Code::IdentityMissing,
        Kind::Location => Code::LocationMissing,
        Kind::Organization => Code::OrganizationMissing,
    }
}

struct Context<'a> {
    evidence: &'a Evidence,
    tier_id: &'a str,
    now: u64,
    leeway: u64,
    /// The earliest moment a time-bound fact the evaluation used stops holding.
    valid_until: std::cell::Cell<Option<u64>>,
}

impl Context<'_> {
    /// Notes that the decision relied on something that holds up to `until` (plus leeway).
    fn relied_until(&self, until: u64) {
        let earliest = self.valid_until.get().map_or(until, |current| current.min(until));
        self.valid_until.set(Some(earliest));
    }
}

/// A (sub)requirement's value and the reasons that decided it.
struct Branch {
    result: Tri,
    reasons: Vec<Reason>,
}

/// Evaluates a tier at time `now` (seconds), with the policy's clock `leeway` (seconds).
pub fn evaluate_tier(tier: &Tier, evidence: &Evidence, now: u64, leeway: u64) -> TierDecision {
    let context = Context { evidence, tier_id: &tier.id, now, leeway, valid_until: std::cell::Cell::new(None) };
    let mut checks = Vec::new();
    let branch = evaluate(&tier.require, "", false, &context, &mut checks);
    let mut reasons: Vec<Reason> = Vec::new();
    for reason in branch.reasons {
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    let outcome = match branch.result {
        Tri::True => Outcome::Granted,
        Tri::False => Outcome::Blocked,
        // Unknown because the site could not get an issuer's keys: a site problem, not the user's.
        Tri::Unknown if reasons.iter().any(|r| r.code == Code::KeysUnavailable) => Outcome::Error,
        Tri::Unknown => Outcome::ActionRequired,
    };
    TierDecision { id: tier.id.clone(), outcome, reasons, checks, valid_until: context.valid_until.get() }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn evaluate(
    requirement: &Requirement,
    path: &str,
    negated: bool,
    context: &Context<'_>,
    checks: &mut Vec<Check>,
) -> Branch {
    match requirement {
        Requirement::All(children) | Requirement::Any(children) => {
            let is_all = matches!(requirement, Requirement::All(_));
            let name = if is_all { "all" } else { "any" };
            let branches: Vec<Branch> = children
                .iter()
                .enumerate()
                .map(|(i, child)| evaluate(child, &join(path, &format!("{name}[{i}]")), negated, context, checks))
                .collect();
            let has = |value: Tri| branches.iter().any(|branch| branch.result == value);
            // The value that decides the combination on its own, and what holds otherwise.
            let (dominant, fallback) = if is_all { (Tri::False, Tri::True) } else { (Tri::True, Tri::False) };
            let (result, decisive): (Tri, fn(&Branch, Tri) -> bool) = if has(dominant) {
                (dominant, |branch, result| branch.result == result)
            } else if has(Tri::Unknown) {
                // For `all`, the unknown children decide; for `any`, the false ones also stood in
                // the way, so the user hears about both.
                if is_all {
                    (Tri::Unknown, |branch, result| branch.result == result)
                } else {
                    (Tri::Unknown, |_, _| true)
                }
            } else {
                (fallback, |_, _| true)
            };
            let reasons = branches
                .into_iter()
                .filter(|branch| decisive(branch, result))
                .flat_map(|branch| branch.reasons)
                .collect();
            Branch { result, reasons }
        }
        Requirement::Not(child) => {
            let inner = evaluate(child, &join(path, "not"), !negated, context, checks);
            let result = match inner.result {
                Tri::True => Tri::False,
                Tri::False => Tri::True,
                Tri::Unknown => Tri::Unknown,
            };
            Branch { result, reasons: inner.reasons }
        }
        Requirement::Identity(test) => {
            let mut leaf = Leaf::new(join(path, "identity"), negated, checks);
            match context.evidence.identity() {
                Ok(facts) => identity(test, facts, context, &mut leaf),
                Err(code) => leaf.missing(code, Kind::Identity),
            }
            leaf.finish()
        }
        Requirement::Location(test) => {
            let mut leaf = Leaf::new(join(path, "location"), negated, checks);
            match context.evidence.location() {
                Ok(facts) => location(test, facts, &mut leaf),
                Err(code) => leaf.missing(code, Kind::Location),
            }
            leaf.finish()
        }
        Requirement::Organization(test) => {
            let mut leaf = Leaf::new(join(path, "organization"), negated, checks);
            match context.evidence.organization() {
                Ok(facts) => organization(test, facts, context, &mut leaf),
                Err(code) => leaf.missing(code, Kind::Organization),
            }
            leaf.finish()
        }
    }
}

/// One evaluated field of a test.
struct FieldResult {
    result: Tri,
    /// What is true of the user when the field is false or unknown (`NOT_US_PERSON`, …).
    when_false: Reason,
    /// What is true of the user when the field holds, worded as the reason it counts against
    /// them under `not` (`EXCLUDED_FACT`); `None` for unknown fields.
    when_true: Option<Reason>,
}

/// Collects the fields of one test, then decides it.
struct Leaf<'c> {
    path: String,
    negated: bool,
    checks: &'c mut Vec<Check>,
    fields: Vec<FieldResult>,
    /// What to say when the test counts in the user's favour.
    satisfied: Option<Reason>,
}

/// The reason a field that holds gives under `not`: the fact itself, e.g. "your organization is
/// not on a restricted-party list", never the opposite of what is true.
fn excluded(fact: &str) -> Reason {
    Reason::new(Code::ExcludedFact).text("fact", fact)
}

impl<'c> Leaf<'c> {
    fn new(path: String, negated: bool, checks: &'c mut Vec<Check>) -> Self {
        Leaf { path, negated, checks, fields: Vec::new(), satisfied: None }
    }

    /// The attestation is missing or was rejected: the whole test is unknown.
    fn missing(&mut self, code: Code, kind: Kind) {
        self.checks.push(Check { path: self.path.clone(), result: Tri::Unknown, code });
        let reason = Reason::new(code).text("kind", kind.as_str());
        self.fields.push(FieldResult { result: Tri::Unknown, when_false: reason, when_true: None });
    }

    /// A field that the facts leave undecided (stale proofing, hidden location, …).
    fn unknown(&mut self, field: &str, reason: Reason) {
        self.checks.push(Check { path: join(&self.path, field), result: Tri::Unknown, code: reason.code });
        self.fields.push(FieldResult { result: Tri::Unknown, when_false: reason, when_true: None });
    }

    /// A field that holds or not: `when_false` says what is true of the user when it does not,
    /// `when_true` when it does.
    fn field(&mut self, field: &str, holds: bool, when_false: Reason, when_true: Reason) {
        let result = if holds { Tri::True } else { Tri::False };
        let counts_against = holds == self.negated;
        let satisfied_code = self.satisfied.as_ref().map_or(Code::IdentityEligible, |r| r.code);
        let code = match (counts_against, holds) {
            (true, false) => when_false.code,
            (true, true) => when_true.code,
            (false, _) => satisfied_code,
        };
        self.checks.push(Check { path: join(&self.path, field), result, code });
        self.fields.push(FieldResult { result, when_false, when_true: Some(when_true) });
    }

    fn has_unknown(&self) -> bool {
        self.fields.iter().any(|field| field.result == Tri::Unknown)
    }

    fn finish(self) -> Branch {
        let has = |value: Tri| self.fields.iter().any(|field| field.result == value);
        let result = if has(Tri::False) {
            Tri::False
        } else if has(Tri::Unknown) {
            Tri::Unknown
        } else {
            Tri::True
        };
        let counts_against = match result {
            Tri::Unknown => true,
            Tri::True => self.negated,
            Tri::False => !self.negated,
        };
        let reasons: Vec<Reason> = if !counts_against {
            self.satisfied.into_iter().collect()
        } else if result == Tri::True {
            // Under `not`, a test that holds counts against the user: name what holds.
            self.fields.into_iter().filter_map(|field| field.when_true).collect()
        } else {
            // Unknown: the undecided fields; false: the false fields.
            self.fields.into_iter().filter(|field| field.result == result).map(|field| field.when_false).collect()
        };
        Branch { result, reasons }
    }
}

fn identity(test: &IdentityTest, facts: &IdentityFacts, context: &Context<'_>, leaf: &mut Leaf<'_>) {
    let verified_as = || {
        Reason::new(Code::IdentityEligible)
            .text("us_person", facts.us_person.as_str())
            .number("ial", u64::from(facts.ial))
    };
    leaf.satisfied = Some(verified_as());
    let too_low = |min_ial: u8| {
        Reason::new(Code::IdentityAssuranceTooLow)
            .number("ial", u64::from(facts.ial))
            .number("min_ial", u64::from(min_ial))
    };
    if let Some(min_ial) = test.min_ial {
        if facts.ial < min_ial {
            leaf.unknown("min_ial", too_low(min_ial));
        }
    }
    let age = facts.verified.age(context.now);
    if let Some(max_age_days) = test.max_age_days {
        // Judged to the second (see `ProofingAge::exceeds_days`).
        if age.exceeds_days(max_age_days) {
            let reason = Reason::new(Code::IdentityVerificationStale)
                .number("max_age_days", max_age_days)
                .number("age_days", age.whole_days());
            leaf.unknown("max_age_days", reason);
        }
    }
    if leaf.has_unknown() {
        // Stale or weak proofing settles nothing else: the user must verify again first.
        return;
    }
    if let Some(min_ial) = test.min_ial {
        leaf.field("min_ial", true, too_low(min_ial), excluded("ial").number("ial", u64::from(facts.ial)));
    }
    if let Some(max_age_days) = test.max_age_days {
        if let Some(fresh_until) = facts.verified.fresh_until(max_age_days) {
            // Stale from `fresh_until + 1`; the element re-decides at `valid_until + leeway + 1`.
            context.relied_until(fresh_until.saturating_sub(context.leeway));
        }
        let stale = Reason::new(Code::IdentityVerificationStale).number("max_age_days", max_age_days);
        leaf.field("max_age_days", true, stale, excluded("recent_verification").number("max_age_days", max_age_days));
    }
    if let Some(allowed) = &test.us_person {
        let reason = Reason::new(Code::NotUsPerson).text("us_person", facts.us_person.as_str());
        let holds = excluded("us_person").text("us_person", facts.us_person.as_str());
        leaf.field("us_person", allowed.contains(&facts.us_person), reason, holds);
    }
    let listed = |countries: Vec<&crate::core::facts::Country>| {
        Param::List(countries.into_iter().map(|c| c.as_str().to_owned()).collect())
    };
    if let Some(required) = &test.citizenship_any_of {
        let reason = Reason::new(Code::CitizenshipRequired).with("countries", listed(required.iter().collect()));
        match &facts.citizenships {
            Some(citizenships) => {
                let held: Vec<_> = citizenships.iter().filter(|c| required.contains(c)).collect();
                let holds = excluded("citizen_of").with("countries", listed(held.clone()));
                leaf.field("citizenship_any_of", !held.is_empty(), reason, holds);
            }
            // Not attested: neither true nor false.
            None => leaf.unknown("citizenship_any_of", reason),
        }
    }
    if let Some(excluded_list) = &test.citizenship_none_of {
        let whole_list =
            || Reason::new(Code::CitizenshipExcluded).with("countries", listed(excluded_list.iter().collect()));
        match &facts.citizenships {
            Some(citizenships) => {
                let held: Vec<_> = citizenships.iter().filter(|c| excluded_list.contains(c)).collect();
                let reason = Reason::new(Code::CitizenshipExcluded).with("countries", listed(held.clone()));
                let holds = excluded("not_citizen_of").with("countries", listed(excluded_list.iter().collect()));
                leaf.field("citizenship_none_of", held.is_empty(), reason, holds);
            }
            None => leaf.unknown("citizenship_none_of", whole_list()),
        }
    }
}

fn location(test: &LocationTest, facts: &LocationFacts, leaf: &mut Leaf<'_>) {
    let mut satisfied = Reason::new(Code::LocationEligible).text("country", facts.country.as_str());
    if let Some(region) = &facts.region {
        satisfied = satisfied.text("region", region.as_str());
    }
    leaf.satisfied = Some(satisfied);
    if let Some(allowed) = &test.anonymizers {
        let reason = Reason::new(Code::AnonymizerDetected).text("anonymizer", facts.anonymizer.as_str());
        if !allowed.contains(&facts.anonymizer) {
            // The true location is hidden: no location field can be judged.
            leaf.unknown("anonymizers", reason);
            return;
        }
        let holds = excluded("anonymizer").text("anonymizer", facts.anonymizer.as_str());
        leaf.field("anonymizers", true, reason, holds);
    }
    let restricted = || Reason::new(Code::LocationRestricted).text("country", facts.country.as_str());
    let from_country = || excluded("country").text("country", facts.country.as_str());
    if let Some(allowed) = &test.countries_in {
        leaf.field("countries_in", allowed.contains(&facts.country), restricted(), from_country());
    }
    if let Some(excluded_list) = &test.countries_not_in {
        leaf.field("countries_not_in", !excluded_list.contains(&facts.country), restricted(), from_country());
    }
    if let Some(excluded_list) = &test.regions_not_in {
        match &facts.region {
            Some(region) => {
                let reason = Reason::new(Code::RegionRestricted).text("region", region.as_str());
                let holds = excluded("region").text("region", region.as_str());
                leaf.field("regions_not_in", !excluded_list.contains(region), reason, holds);
            }
            None => {
                // No region attested: fine unless the country has an excluded region.
                let country_has_excluded_region =
                    excluded_list.iter().any(|region| region.as_str().starts_with(facts.country.as_str()));
                // Not "restricted": the region is not known, and only some of the country's are.
                let reason = Reason::new(Code::RegionUnknown).text("country", facts.country.as_str());
                if country_has_excluded_region {
                    leaf.unknown("regions_not_in", reason);
                } else {
                    leaf.field("regions_not_in", true, reason, from_country());
                }
            }
        }
    }
}

fn organization(test: &OrganizationTest, facts: &OrganizationFacts, context: &Context<'_>, leaf: &mut Leaf<'_>) {
    // Current as a token is: until `exp + leeway`.
    let covering: Vec<_> = facts
        .authorizations
        .iter()
        .filter(|auth| {
            auth.exp.saturating_add(context.leeway) > context.now
                && auth.tiers.iter().any(|tier| tier == context.tier_id)
        })
        .collect();
    // The one that lasts longest: the grant holds while any covering authorization does.
    let current = covering.iter().max_by_key(|auth| auth.exp);
    leaf.satisfied = Some(match (test.authorization_for_tier, current) {
        (true, Some(auth)) => {
            Reason::new(Code::AuthorizationValid).text("authorization", &auth.kind).text("tier", context.tier_id)
        }
        _ => Reason::new(Code::OrganizationEligible).text("entity", facts.entity.as_str()),
    });
    if let Some(allowed) = &test.entities {
        let reason = Reason::new(Code::OrganizationEntityNotAllowed).text("entity", facts.entity.as_str());
        let holds = excluded("entity").text("entity", facts.entity.as_str());
        leaf.field("entities", allowed.contains(&facts.entity), reason, holds);
    }
    if test.authorization_for_tier {
        if let Some(auth) = current {
            context.relied_until(auth.exp);
        }
        let reason = Reason::new(Code::AuthorizationMissing).text("tier", context.tier_id);
        let holds = match current {
            Some(auth) => excluded("authorization").text("authorization", &auth.kind),
            None => excluded("authorization"),
        };
        leaf.field("authorization_for_tier", current.is_some(), reason, holds);
    }
    if test.not_restricted_party {
        let holds = excluded("not_restricted_party");
        leaf.field("not_restricted_party", !facts.restricted_party, Reason::new(Code::RestrictedParty), holds);
    }
}
