//! What the user can do about each reason (SPEC §5 `remedies`).

use crate::core::codes::{Action, Code};
use crate::core::policy::evaluate::{Param, Reason};
use crate::core::policy::Links;
use crate::core::report::Remedy;

/// The action that fixes an unusable attestation of this kind: get a fresh one.
fn renew(reason: &Reason) -> Option<Action> {
    match reason.param("kind") {
        Some(Param::Text(kind)) if kind == "identity" => Some(Action::VerifyIdentity),
        Some(Param::Text(kind)) if kind == "location" => Some(Action::RefreshLocation),
        Some(Param::Text(kind)) if kind == "organization" => Some(Action::ContactOrganization),
        _ => Some(Action::Retry),
    }
}

/// The action for one reason, if the user can do anything about it.
pub fn action_for(reason: &Reason) -> Option<Action> {
    match reason.code {
        // A fresh attestation fixes these (from the site's own provider, for an untrusted one).
        Code::IssuerUntrusted
        | Code::IssuerNotAllowedForKind
        | Code::TokenMalformed
        | Code::TokenTooLarge
        | Code::SignatureInvalid
        | Code::AudienceMismatch
        | Code::TokenExpired
        | Code::TokenTooOld
        | Code::ClaimInvalid
        | Code::SubjectMismatch => renew(reason),
        Code::NonceMismatch
        | Code::TooManyTokens
        | Code::KeysUnavailable
        | Code::EndpointUnavailable
        | Code::WidgetUnavailable => Some(Action::Retry),
        Code::TokenNotYetValid | Code::ClockSkew | Code::ClockSkewSuspected => Some(Action::FixClock),
        Code::IdentityMissing
        | Code::IdentityAssuranceTooLow
        | Code::IdentityVerificationStale
        | Code::CitizenshipRequired => Some(Action::VerifyIdentity),
        Code::LocationMissing | Code::RegionUnknown => Some(Action::RefreshLocation),
        Code::AnonymizerDetected => Some(Action::DisableAnonymizer),
        Code::OrganizationMissing | Code::AuthorizationMissing | Code::OrganizationEntityNotAllowed => {
            Some(Action::ContactOrganization)
        }
        // The site's configuration, or nothing the user can change themselves.
        Code::TokenTypeUnknown
        | Code::AlgorithmNotAllowed
        | Code::CriticalHeaderUnsupported
        | Code::KeyUnknown
        | Code::NotUsPerson
        | Code::CitizenshipExcluded
        | Code::LocationRestricted
        | Code::RegionRestricted
        | Code::RestrictedParty
        | Code::PolicyInvalid
        | Code::TierUnknown
        | Code::AttributeInvalid
        | Code::SupportCodeInvalid
        | Code::ExcludedFact => Some(Action::ContactSupport),
        Code::IdentityEligible | Code::LocationEligible | Code::OrganizationEligible | Code::AuthorizationValid => None,
    }
}

/// The remedies for a tier's reasons, each once, in the order of the reasons, with its link;
/// "contact support" comes last, after everything the user can do themselves.
pub fn remedies(reasons: &[Reason], links: &Links) -> Vec<Remedy> {
    let mut out: Vec<Remedy> = Vec::new();
    for action in reasons.iter().filter_map(action_for) {
        if out.iter().any(|remedy| remedy.action == action) {
            continue;
        }
        let url = match action {
            Action::VerifyIdentity => links.verify_identity.clone(),
            Action::ContactSupport => links.support.clone(),
            _ => None,
        };
        out.push(Remedy { action, url });
    }
    out.sort_by_key(|remedy| remedy.action == Action::ContactSupport);
    out
}
