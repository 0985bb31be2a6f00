//! Which of a tier's reasons a person reads, in what order, and which are a notice instead.
//!
//! The report keeps every reason (support and the server need them all); the explanation is
//! for a person, so it leads with what they can do and leaves out what the facts already
//! rule out:
//! - an either/or rule ("a verified US person, or an export authorization from the
//!   organization") whose identity branch can still succeed leads with verifying, and the
//!   organization's branch becomes "if you are not a US person, ask…" rather than a second
//!   step on a to-do list; facts that rule the organization out are left unsaid;
//! - a clock that seems wrong comes first, since it explains why checks look expired; while it
//!   does, renewing a check that looks expired cannot help (a fresh one would look expired
//!   too), so fixing the clock is the step offered for it;
//! - a clock that is off while access is granted is a notice, not a reason for the grant.

use crate::core::codes::{Action, Code};
use crate::core::policy::evaluate::{Outcome, Param, Reason};
use crate::core::policy::requirement::Requirement;
use crate::core::remedy::action_for;

/// A tier's reasons arranged for reading.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Framed {
    /// The reasons worded as the explanation's items, in reading order.
    pub items: Vec<Reason>,
    /// Reasons shown apart from the decision (a clock that is off while granted).
    pub notices: Vec<Reason>,
    /// The reasons the remedies come from, in the order the remedies are offered.
    pub remedy_reasons: Vec<Reason>,
    /// The organization's branch is the alternative to verifying identity.
    pub alternative: bool,
}

/// Whether `requirement` lets a verified identity and an organization's authorization stand in
/// for each other: an `any` with a branch that tests identity but not the organization and
/// another that tests the organization but not identity.
pub fn identity_or_organization(requirement: &Requirement) -> bool {
    match requirement {
        Requirement::Any(children) => {
            let kinds: Vec<(bool, bool)> = children.iter().map(tested_kinds).collect();
            let identity_only = kinds.iter().any(|&(identity, organization)| identity && !organization);
            let organization_only = kinds.iter().any(|&(identity, organization)| organization && !identity);
            (identity_only && organization_only) || children.iter().any(identity_or_organization)
        }
        Requirement::All(children) => children.iter().any(identity_or_organization),
        Requirement::Not(_) | Requirement::Identity(_) | Requirement::Location(_) | Requirement::Organization(_) => {
            false
        }
    }
}

/// (tests identity, tests the organization) anywhere under `requirement`.
fn tested_kinds(requirement: &Requirement) -> (bool, bool) {
    match requirement {
        Requirement::All(children) | Requirement::Any(children) => {
            children.iter().map(tested_kinds).fold((false, false), |(a, b), (c, d)| (a || c, b || d))
        }
        Requirement::Not(child) => tested_kinds(child),
        Requirement::Identity(_) => (true, false),
        Requirement::Organization(_) => (false, true),
        Requirement::Location(_) => (false, false),
    }
}

fn kind_is(reason: &Reason, kind: &str) -> bool {
    matches!(reason.param("kind"), Some(Param::Text(value)) if value == kind)
}

/// The identity branch needs a step the user can take (verify, verify again).
fn identity_pending(reason: &Reason) -> bool {
    identity_unknown(reason) || matches!(reason.code, Code::IdentityAssuranceTooLow | Code::IdentityVerificationStale)
}

/// Whether the user is a US person is not known yet: no identity verification, or one that
/// could not be read (expired, damaged, not valid yet).
fn identity_unknown(reason: &Reason) -> bool {
    reason.code == Code::IdentityMissing
        || (is_token_problem(reason.code)
            && kind_is(reason, "identity")
            && matches!(action_for(reason), Some(Action::VerifyIdentity | Action::FixClock)))
}

/// The status is unknown and verifying (again) is the step that would tell; or the proofing is
/// too old or too weak to count and says the user is not a US person, so verifying again may
/// not help and the organization may be the way.
fn identity_unknown_until_verified(reason: &Reason, facts: &Context<'_>) -> bool {
    let proofing_says_not_us_person = facts.proofing_says_not_us_person
        && matches!(reason.code, Code::IdentityAssuranceTooLow | Code::IdentityVerificationStale);
    proofing_says_not_us_person || (identity_unknown(reason) && action_for(reason) == Some(Action::VerifyIdentity))
}

/// A check that looks expired, which a fresh token cannot put right while the device clock is
/// suspected to be wrong (see [`Context::clock_suspect_kinds`]).
fn expired_by_the_clock(reason: &Reason, facts: &Context<'_>) -> bool {
    reason.code == Code::TokenExpired
        && matches!(reason.param("kind"), Some(Param::Text(kind)) if facts.clock_suspect_kinds.contains(&kind.as_str()))
}

/// The identity facts rule the identity branch out.
fn identity_ruled_out(reason: &Reason) -> bool {
    matches!(reason.code, Code::NotUsPerson | Code::CitizenshipExcluded | Code::CitizenshipRequired)
}

/// The organization could still grant access through an authorization.
fn organization_pending(reason: &Reason) -> bool {
    matches!(reason.code, Code::OrganizationMissing | Code::AuthorizationMissing)
        || (is_token_problem(reason.code) && kind_is(reason, "organization"))
}

/// The organization's facts rule its branch out.
fn organization_ruled_out(reason: &Reason) -> bool {
    matches!(reason.code, Code::RestrictedParty | Code::OrganizationEntityNotAllowed)
}

fn is_token_problem(code: Code) -> bool {
    matches!(
        code,
        Code::TokenMalformed
            | Code::TokenTooLarge
            | Code::SignatureInvalid
            | Code::AudienceMismatch
            | Code::TokenExpired
            | Code::TokenNotYetValid
            | Code::TokenTooOld
            | Code::ClaimInvalid
            | Code::SubjectMismatch
            | Code::NonceMismatch
            | Code::KeyUnknown
            | Code::IssuerUntrusted
            | Code::IssuerNotAllowedForKind
            | Code::AlgorithmNotAllowed
            | Code::CriticalHeaderUnsupported
    )
}

fn is_clock(code: Code) -> bool {
    matches!(code, Code::ClockSkew | Code::ClockSkewSuspected)
}

/// What the arrangement needs to know besides a tier's reasons.
#[derive(Debug, Default, Clone, Copy)]
pub struct Context<'a> {
    /// The tier's rule lets identity or the organization grant access (see
    /// [`identity_or_organization`]).
    pub either: bool,
    /// Kinds whose refused check a fresh token cannot put right while the device clock is
    /// suspected: the token pointed at the clock (`TokenRecord::clock_suspect`), or it is
    /// short-lived, so a fresh one would be out of time on this clock too.
    pub clock_suspect_kinds: &'a [&'a str],
    /// The identity verification, though too old or too weak to count, says the user is not a
    /// US person.
    pub proofing_says_not_us_person: bool,
}

/// Arranges `reasons` of a tier with `outcome`, given what else is known of the decision.
pub fn frame(reasons: &[Reason], outcome: Outcome, facts: &Context<'_>) -> Framed {
    let mut framed = Framed::default();
    let (clock, rest): (Vec<&Reason>, Vec<&Reason>) = reasons.iter().partition(|reason| is_clock(reason.code));
    let granted = outcome == Outcome::Granted;
    let either = facts.either;
    // Only while the clock leads a refusal does it take the place of renewing a check.
    let by_clock = |reason: &Reason| !granted && !clock.is_empty() && expired_by_the_clock(reason, facts);
    let identity_can_succeed = either
        && !granted
        && rest.iter().any(|reason| identity_pending(reason))
        && !rest.iter().any(|reason| identity_ruled_out(reason));
    // Only while it is not known whether the user is a US person, and verifying is the step
    // offered, is the organization's branch worth offering ("if you are not a US person, …"):
    // a known US person who must verify again is not sent to their organization, nor is one
    // whose checks will read again once the clock is right.
    let status_unknown = rest.iter().any(|reason| identity_unknown_until_verified(reason, facts) && !by_clock(reason));
    framed.alternative =
        identity_can_succeed && status_unknown && rest.iter().any(|reason| organization_pending(reason));
    let mut alternatives = Vec::new();
    for reason in rest {
        if identity_can_succeed && (organization_ruled_out(reason) || (organization_pending(reason) && !status_unknown))
        {
            continue;
        }
        if identity_can_succeed && organization_pending(reason) {
            alternatives.push(reason.clone());
            continue;
        }
        framed.items.push(reason.clone());
        if !by_clock(reason) {
            framed.remedy_reasons.push(reason.clone());
        }
    }
    if granted {
        framed.notices.extend(clock.iter().map(|reason| (*reason).clone()));
        framed.remedy_reasons.extend(clock.into_iter().cloned());
    } else {
        let clock: Vec<Reason> = clock.into_iter().cloned().collect();
        framed.items.splice(0..0, clock.iter().cloned());
        framed.remedy_reasons.splice(0..0, clock);
    }
    // The organization's branch is offered after everything else, as the alternative.
    framed.remedy_reasons.extend(alternatives);
    framed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::policy::Policy;

    fn codes(reasons: &[Reason]) -> Vec<&str> {
        reasons.iter().map(|reason| reason.code.as_str()).collect()
    }

    fn missing(code: Code, kind: &str) -> Reason {
        Reason::new(code).text("kind", kind)
    }

    const EITHER: Context<'static> =
        Context { either: true, clock_suspect_kinds: &[], proofing_says_not_us_person: false };

    fn clock_blamed<'a>(kinds: &'a [&'a str]) -> Context<'a> {
        Context { clock_suspect_kinds: kinds, ..EITHER }
    }

    #[test]
    fn a_missing_identity_leads_and_the_organization_becomes_the_alternative() {
        let reasons = [
            missing(Code::IdentityMissing, "identity"),
            missing(Code::OrganizationMissing, "organization"),
            missing(Code::LocationMissing, "location"),
        ];
        let framed = frame(&reasons, Outcome::ActionRequired, &EITHER);
        assert_eq!(codes(&framed.items), ["IDENTITY_MISSING", "LOCATION_MISSING"]);
        assert_eq!(codes(&framed.remedy_reasons), ["IDENTITY_MISSING", "LOCATION_MISSING", "ORGANIZATION_MISSING"]);
        assert!(framed.alternative);
        // When both are required, both are steps.
        let framed = frame(&reasons, Outcome::ActionRequired, &Context::default());
        assert_eq!(codes(&framed.items), ["IDENTITY_MISSING", "ORGANIZATION_MISSING", "LOCATION_MISSING"]);
        assert!(!framed.alternative);
    }

    #[test]
    fn a_foreign_national_hears_about_the_organization_as_the_way_in() {
        let reasons =
            [Reason::new(Code::NotUsPerson).text("us_person", "none"), Reason::new(Code::AuthorizationMissing)];
        let framed = frame(&reasons, Outcome::Blocked, &EITHER);
        assert_eq!(codes(&framed.items), ["NOT_US_PERSON", "AUTHORIZATION_MISSING"]);
        assert!(!framed.alternative);
    }

    #[test]
    fn an_organization_ruled_out_is_not_mentioned_while_identity_can_still_succeed() {
        let reasons = [missing(Code::IdentityMissing, "identity"), Reason::new(Code::RestrictedParty)];
        let framed = frame(&reasons, Outcome::ActionRequired, &EITHER);
        assert_eq!(codes(&framed.items), ["IDENTITY_MISSING"]);
        assert_eq!(codes(&framed.remedy_reasons), ["IDENTITY_MISSING"]);
    }

    #[test]
    fn the_clock_leads_a_refusal_and_is_a_notice_beside_a_grant() {
        let reasons = [missing(Code::TokenExpired, "location"), Reason::new(Code::ClockSkewSuspected)];
        let framed = frame(&reasons, Outcome::ActionRequired, &clock_blamed(&["location"]));
        assert_eq!(codes(&framed.items), ["CLOCK_SKEW_SUSPECTED", "TOKEN_EXPIRED"]);
        // Checking the location again cannot help while the clock is wrong: fixing it is the step.
        assert_eq!(codes(&framed.remedy_reasons), ["CLOCK_SKEW_SUSPECTED"]);
        // A check a fresh token can put right (a long-lived one that really expired) is renewed too.
        let framed = frame(&reasons, Outcome::ActionRequired, &clock_blamed(&["identity"]));
        assert_eq!(codes(&framed.remedy_reasons), ["CLOCK_SKEW_SUSPECTED", "TOKEN_EXPIRED"]);
        // With the server's time the clock is known and an expired check really is expired.
        let reasons = [missing(Code::TokenExpired, "location"), Reason::new(Code::ClockSkew)];
        let framed = frame(&reasons, Outcome::ActionRequired, &EITHER);
        assert_eq!(codes(&framed.remedy_reasons), ["CLOCK_SKEW", "TOKEN_EXPIRED"]);
        let reasons = [Reason::new(Code::LocationEligible), Reason::new(Code::ClockSkew)];
        let framed = frame(&reasons, Outcome::Granted, &EITHER);
        assert_eq!(codes(&framed.items), ["LOCATION_ELIGIBLE"]);
        assert_eq!(codes(&framed.notices), ["CLOCK_SKEW"]);
    }

    #[test]
    fn old_proofing_of_a_foreign_national_keeps_the_organization_as_the_way_in() {
        let reasons = [Reason::new(Code::IdentityVerificationStale), Reason::new(Code::AuthorizationMissing)];
        let foreign = Context { proofing_says_not_us_person: true, ..EITHER };
        let framed = frame(&reasons, Outcome::ActionRequired, &foreign);
        assert_eq!(codes(&framed.items), ["IDENTITY_VERIFICATION_STALE"]);
        assert_eq!(codes(&framed.remedy_reasons), ["IDENTITY_VERIFICATION_STALE", "AUTHORIZATION_MISSING"]);
        assert!(framed.alternative);
        // A US citizen whose proofing is old only verifies again.
        let framed = frame(&reasons, Outcome::ActionRequired, &EITHER);
        assert_eq!(codes(&framed.remedy_reasons), ["IDENTITY_VERIFICATION_STALE"]);
        assert!(!framed.alternative);
    }

    #[test]
    fn a_clock_that_explains_the_identity_problem_sends_no_one_to_their_organization() {
        // Clock behind: the identity verification looks not valid yet; once the clock is right
        // it reads again, so "if you are not a US person, ask your organization" does not fit.
        let reasons = [
            missing(Code::TokenNotYetValid, "identity"),
            missing(Code::OrganizationMissing, "organization"),
            Reason::new(Code::ClockSkewSuspected),
        ];
        let framed = frame(&reasons, Outcome::ActionRequired, &EITHER);
        assert_eq!(codes(&framed.items), ["CLOCK_SKEW_SUSPECTED", "TOKEN_NOT_YET_VALID"]);
        assert_eq!(codes(&framed.remedy_reasons), ["CLOCK_SKEW_SUSPECTED", "TOKEN_NOT_YET_VALID"]);
        assert!(!framed.alternative);
        // An expired identity whose token pointed at the clock: fix the clock first, nothing else.
        let reasons = [
            missing(Code::TokenExpired, "identity"),
            missing(Code::OrganizationMissing, "organization"),
            Reason::new(Code::ClockSkewSuspected),
        ];
        let framed = frame(&reasons, Outcome::ActionRequired, &clock_blamed(&["identity"]));
        assert_eq!(codes(&framed.remedy_reasons), ["CLOCK_SKEW_SUSPECTED"]);
        assert!(!framed.alternative);
        // Without the clock, the expired identity is verified again, with the organization as
        // the alternative.
        let framed = frame(&reasons[..2], Outcome::ActionRequired, &EITHER);
        assert_eq!(codes(&framed.remedy_reasons), ["TOKEN_EXPIRED", "ORGANIZATION_MISSING"]);
        assert!(framed.alternative);
    }

    #[test]
    fn the_demo_rule_offers_identity_or_organization_and_a_conjunction_does_not() {
        let policy = |require: &str| {
            let text = format!(
                r#"{{"version":"1","audience":"a","issuers":[{{"iss":"https://i","kinds":["identity","organization"],"algorithms":["ES256"],"jwks":{{"keys":[{{"kty":"EC","crv":"P-256","kid":"k","alg":"ES256","x":"Suz8au_82uWU4RBqXwMagsumtLl2HYMTdKRYhmVzWLM","y":"_K3ZviIY71yVegf8F2d5SJgrqzS8e0gGAZCemu9wAWU"}}]}}}}],"tiers":[{{"id":"t","require":{require}}}]}}"#
            );
            let json = crate::core::json::Json::parse(&text).ok()?;
            Policy::from_json(&json).ok().and_then(|policy| policy.tiers.into_iter().next().map(|tier| tier.require))
        };
        let either = r#"{"all":[{"any":[{"identity":{"us_person":["citizen"]}},{"organization":{"authorization_for_tier":true}}]},{"location":{"countries_not_in":["IR"]}}]}"#;
        let both =
            r#"{"all":[{"identity":{"us_person":["citizen"]}},{"organization":{"authorization_for_tier":true}}]}"#;
        assert_eq!(policy(either).map(|r| identity_or_organization(&r)), Some(true));
        assert_eq!(policy(both).map(|r| identity_or_organization(&r)), Some(false));
    }
}
