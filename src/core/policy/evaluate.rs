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
use crate::core::facts::{IdentityFacts, Kind, LocationFacts, OrganizationFacts, SECONDS_PER_DAY};

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
}

/// A (sub)requirement's value and the reasons that decided it.
struct Branch {
    result: Tri,
    reasons: Vec<Reason>,
}

/// Evaluates a tier at time `now` (seconds).
pub fn evaluate_tier(tier: &Tier, evidence: &Evidence, now: u64) -> TierDecision {
    let context = Context { evidence, tier_id: &tier.id, now };
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
    TierDecision { id: tier.id.clone(), outcome, reasons, checks }
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

/// Collects the fields of one test, then decides it.
struct Leaf<'c> {
    path: String,
    negated: bool,
    checks: &'c mut Vec<Check>,
    /// Per field: its value and the reason it stands for when it counts against the user.
    fields: Vec<(Tri, Reason)>,
    /// What to say when the test counts in the user's favour.
    satisfied: Option<Reason>,
}

impl<'c> Leaf<'c> {
    fn new(path: String, negated: bool, checks: &'c mut Vec<Check>) -> Self {
        Leaf { path, negated, checks, fields: Vec::new(), satisfied: None }
    }

    /// The attestation is missing or was rejected: the whole test is unknown.
    fn missing(&mut self, code: Code, kind: Kind) {
        self.checks.push(Check { path: self.path.clone(), result: Tri::Unknown, code });
        self.fields.push((Tri::Unknown, Reason::new(code).text("kind", kind.as_str())));
    }

    /// A field that the facts leave undecided (stale proofing, hidden location, …).
    fn unknown(&mut self, field: &str, reason: Reason) {
        self.checks.push(Check { path: join(&self.path, field), result: Tri::Unknown, code: reason.code });
        self.fields.push((Tri::Unknown, reason));
    }

    /// A field that holds or not; `against` explains it when it counts against the user.
    fn field(&mut self, field: &str, holds: bool, against: Reason) {
        let result = if holds { Tri::True } else { Tri::False };
        let counts_against = holds == self.negated;
        let satisfied_code = self.satisfied.as_ref().map_or(Code::IdentityEligible, |r| r.code);
        let code = if counts_against { against.code } else { satisfied_code };
        self.checks.push(Check { path: join(&self.path, field), result, code });
        self.fields.push((result, against));
    }

    fn has_unknown(&self) -> bool {
        self.fields.iter().any(|(result, _)| *result == Tri::Unknown)
    }

    fn finish(self) -> Branch {
        let results = self.fields.iter().map(|(result, _)| *result);
        let result = if results.clone().any(|r| r == Tri::False) {
            Tri::False
        } else if results.clone().any(|r| r == Tri::Unknown) {
            Tri::Unknown
        } else {
            Tri::True
        };
        let counts_against = match result {
            Tri::Unknown => true,
            Tri::True => self.negated,
            Tri::False => !self.negated,
        };
        let reasons: Vec<Reason> = if counts_against {
            // Unknown: the undecided fields; false: the false fields; true under `not`: all.
            let wanted = if result == Tri::True { Tri::True } else { result };
            self.fields.into_iter().filter(|(r, _)| *r == wanted).map(|(_, reason)| reason).collect()
        } else {
            self.satisfied.into_iter().collect()
        };
        Branch { result, reasons }
    }
}

fn identity(test: &IdentityTest, facts: &IdentityFacts, context: &Context<'_>, leaf: &mut Leaf<'_>) {
    leaf.satisfied = Some(
        Reason::new(Code::IdentityEligible)
            .text("us_person", facts.us_person.as_str())
            .number("ial", u64::from(facts.ial)),
    );
    if let Some(min_ial) = test.min_ial {
        if facts.ial < min_ial {
            let reason = Reason::new(Code::IdentityAssuranceTooLow)
                .number("ial", u64::from(facts.ial))
                .number("min_ial", u64::from(min_ial));
            leaf.unknown("min_ial", reason);
        }
    }
    if let Some(max_age_days) = test.max_age_days {
        // Whole UTC days, so that a support code's day-rounded proofing time decides the same.
        let age_days = (context.now / SECONDS_PER_DAY).saturating_sub(facts.verified_day);
        if age_days > max_age_days {
            let reason = Reason::new(Code::IdentityVerificationStale)
                .number("max_age_days", max_age_days)
                .number("age_days", age_days);
            leaf.unknown("max_age_days", reason);
        }
    }
    if leaf.has_unknown() {
        // Stale or weak proofing settles nothing else: the user must verify again first.
        return;
    }
    if let Some(min_ial) = test.min_ial {
        let reason = Reason::new(Code::IdentityAssuranceTooLow)
            .number("ial", u64::from(facts.ial))
            .number("min_ial", u64::from(min_ial));
        leaf.field("min_ial", true, reason);
    }
    if let Some(max_age_days) = test.max_age_days {
        leaf.field(
            "max_age_days",
            true,
            Reason::new(Code::IdentityVerificationStale).number("max_age_days", max_age_days),
        );
    }
    if let Some(allowed) = &test.us_person {
        let reason = Reason::new(Code::NotUsPerson).text("us_person", facts.us_person.as_str());
        leaf.field("us_person", allowed.contains(&facts.us_person), reason);
    }
    if let Some(required) = &test.citizenship_any_of {
        let listed = Param::List(required.iter().map(|c| c.as_str().to_owned()).collect());
        let reason = Reason::new(Code::CitizenshipRequired).with("countries", listed);
        match &facts.citizenships {
            Some(citizenships) => {
                leaf.field("citizenship_any_of", citizenships.iter().any(|c| required.contains(c)), reason);
            }
            // Not attested: neither true nor false.
            None => leaf.unknown("citizenship_any_of", reason),
        }
    }
    if let Some(excluded) = &test.citizenship_none_of {
        let listed = |countries: Vec<&crate::core::facts::Country>| {
            Param::List(countries.into_iter().map(|c| c.as_str().to_owned()).collect())
        };
        match &facts.citizenships {
            Some(citizenships) => {
                let held: Vec<_> = citizenships.iter().filter(|c| excluded.contains(c)).collect();
                // Under `not`, the test holding counts against the user: name the whole list.
                let named = if held.is_empty() { excluded.iter().collect() } else { held.clone() };
                let reason = Reason::new(Code::CitizenshipExcluded).with("countries", listed(named));
                leaf.field("citizenship_none_of", held.is_empty(), reason);
            }
            None => {
                let reason =
                    Reason::new(Code::CitizenshipExcluded).with("countries", listed(excluded.iter().collect()));
                leaf.unknown("citizenship_none_of", reason);
            }
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
        leaf.field("anonymizers", true, reason);
    }
    let restricted = || Reason::new(Code::LocationRestricted).text("country", facts.country.as_str());
    if let Some(allowed) = &test.countries_in {
        leaf.field("countries_in", allowed.contains(&facts.country), restricted());
    }
    if let Some(excluded) = &test.countries_not_in {
        leaf.field("countries_not_in", !excluded.contains(&facts.country), restricted());
    }
    if let Some(excluded) = &test.regions_not_in {
        match &facts.region {
            Some(region) => {
                let reason = Reason::new(Code::RegionRestricted).text("region", region.as_str());
                leaf.field("regions_not_in", !excluded.contains(region), reason);
            }
            None => {
                // No region attested: fine unless the country has an excluded region.
                let country_has_excluded_region =
                    excluded.iter().any(|region| region.as_str().starts_with(facts.country.as_str()));
                // The region is not known: name the country in its place.
                let reason = Reason::new(Code::RegionRestricted).text("region", facts.country.as_str());
                if country_has_excluded_region {
                    leaf.unknown("regions_not_in", reason);
                } else {
                    leaf.field("regions_not_in", true, reason);
                }
            }
        }
    }
}

fn organization(test: &OrganizationTest, facts: &OrganizationFacts, context: &Context<'_>, leaf: &mut Leaf<'_>) {
    let current = facts
        .authorizations
        .iter()
        .find(|auth| auth.exp > context.now && auth.tiers.iter().any(|tier| tier == context.tier_id));
    leaf.satisfied = Some(match (test.authorization_for_tier, current) {
        (true, Some(auth)) => {
            Reason::new(Code::AuthorizationValid).text("authorization", &auth.kind).text("tier", context.tier_id)
        }
        _ => Reason::new(Code::OrganizationEligible).text("entity", facts.entity.as_str()),
    });
    if let Some(allowed) = &test.entities {
        let reason = Reason::new(Code::OrganizationEntityNotAllowed).text("entity", facts.entity.as_str());
        leaf.field("entities", allowed.contains(&facts.entity), reason);
    }
    if test.authorization_for_tier {
        let reason = Reason::new(Code::AuthorizationMissing).text("tier", context.tier_id);
        leaf.field("authorization_for_tier", current.is_some(), reason);
    }
    if test.not_restricted_party {
        leaf.field("not_restricted_party", !facts.restricted_party, Reason::new(Code::RestrictedParty));
    }
}
