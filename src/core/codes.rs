//! Every reason code and remedy action, in one table each (SPEC §5). Codes never change: they
//! are read by tests outside the project, by support staff and by support codes, which store a
//! code as its position in [`Code::ALL`] (so new codes are only ever appended).

crate::core::string_enum! {
    /// Why a token was refused, why a test failed, or what satisfied it.
    Code {
        // Token codes.
        TokenMalformed => "TOKEN_MALFORMED",
        TokenTooLarge => "TOKEN_TOO_LARGE",
        TokenTypeUnknown => "TOKEN_TYPE_UNKNOWN",
        AlgorithmNotAllowed => "ALGORITHM_NOT_ALLOWED",
        CriticalHeaderUnsupported => "CRITICAL_HEADER_UNSUPPORTED",
        IssuerUntrusted => "ISSUER_UNTRUSTED",
        IssuerNotAllowedForKind => "ISSUER_NOT_ALLOWED_FOR_KIND",
        KeyUnknown => "KEY_UNKNOWN",
        SignatureInvalid => "SIGNATURE_INVALID",
        AudienceMismatch => "AUDIENCE_MISMATCH",
        TokenExpired => "TOKEN_EXPIRED",
        TokenNotYetValid => "TOKEN_NOT_YET_VALID",
        TokenTooOld => "TOKEN_TOO_OLD",
        ClaimInvalid => "CLAIM_INVALID",
        SubjectMismatch => "SUBJECT_MISMATCH",
        NonceMismatch => "NONCE_MISMATCH",
        TooManyTokens => "TOO_MANY_TOKENS",
        // A needed attestation is absent.
        IdentityMissing => "IDENTITY_MISSING",
        LocationMissing => "LOCATION_MISSING",
        OrganizationMissing => "ORGANIZATION_MISSING",
        // Eligibility.
        NotUsPerson => "NOT_US_PERSON",
        IdentityAssuranceTooLow => "IDENTITY_ASSURANCE_TOO_LOW",
        IdentityVerificationStale => "IDENTITY_VERIFICATION_STALE",
        CitizenshipRequired => "CITIZENSHIP_REQUIRED",
        CitizenshipExcluded => "CITIZENSHIP_EXCLUDED",
        LocationRestricted => "LOCATION_RESTRICTED",
        RegionRestricted => "REGION_RESTRICTED",
        AnonymizerDetected => "ANONYMIZER_DETECTED",
        OrganizationEntityNotAllowed => "ORGANIZATION_ENTITY_NOT_ALLOWED",
        AuthorizationMissing => "AUTHORIZATION_MISSING",
        RestrictedParty => "RESTRICTED_PARTY",
        // Clock.
        ClockSkew => "CLOCK_SKEW",
        ClockSkewSuspected => "CLOCK_SKEW_SUSPECTED",
        // Configuration.
        PolicyInvalid => "POLICY_INVALID",
        KeysUnavailable => "KEYS_UNAVAILABLE",
        TierUnknown => "TIER_UNKNOWN",
        // Informational: the facts that satisfied a test (reasons of a granted tier).
        IdentityEligible => "IDENTITY_ELIGIBLE",
        LocationEligible => "LOCATION_ELIGIBLE",
        OrganizationEligible => "ORGANIZATION_ELIGIBLE",
        AuthorizationValid => "AUTHORIZATION_VALID",
        // Configuration problems of the element (appended after the stable list).
        AttributeInvalid => "ATTRIBUTE_INVALID",
        SupportCodeInvalid => "SUPPORT_CODE_INVALID",
        // Under `not`: a fact that holds and that the policy excludes (`fact` names which).
        ExcludedFact => "EXCLUDED_FACT",
        // No region attested, and the attested country has an excluded region: unknown.
        RegionUnknown => "REGION_UNKNOWN",
        // The element's attestation endpoint could not be read (network, CORS, status, body):
        // the site's problem, shown with a retry, never the user's "missing" attestations.
        EndpointUnavailable => "ENDPOINT_UNAVAILABLE",
        // The widget's own WebAssembly could not be loaded (blocked, missing, a CSP without
        // 'wasm-unsafe-eval'): reported by the loader's stand-in element.
        WidgetUnavailable => "WIDGET_UNAVAILABLE",
    }
}

crate::core::string_enum! {
    /// What the user can do next.
    Action {
        VerifyIdentity => "verify_identity",
        RefreshLocation => "refresh_location",
        DisableAnonymizer => "disable_anonymizer",
        FixClock => "fix_clock",
        ContactOrganization => "contact_organization",
        ContactSupport => "contact_support",
        Retry => "retry",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_and_indexes_are_positions() {
        for (i, code) in Code::ALL.iter().enumerate() {
            assert_eq!(Code::parse(code.as_str()), Some(*code));
            assert_eq!(usize::from(code.index()), i);
            assert_eq!(Code::from_index(code.index()), Some(*code));
        }
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(*action));
        }
    }
}
