// The frontier tier of www/policy.json written as a Cedar policy, and a user as a Cedar entity.
export const POLICY = `permit(principal, action == Action::"use", resource == Tier::"frontier")
when {
  ((["citizen", "national", "permanent_resident", "protected_individual"].contains(principal.us_person)
      && principal.ial >= 2 && principal.identity_age_days <= 365)
    || (principal.authorized_tiers.contains("frontier") && !principal.restricted_party))
  && !(["CU", "IR", "KP", "SY", "RU", "BY"].contains(principal.country))
  && !(["UA-43", "UA-14", "UA-09"].contains(principal.region))
  && principal.anonymizer == "none"
};`;

export const ENTITIES = [{
  uid: { type: 'User', id: 'user-7d2f0a' },
  attrs: { us_person: 'none', ial: 2, identity_age_days: 30, country: 'US', region: 'US-CA', anonymizer: 'none',
    authorized_tiers: ['frontier'], restricted_party: false },
  parents: [],
}];

export const REQUEST = {
  principal: { type: 'User', id: 'user-7d2f0a' }, action: { type: 'Action', id: 'use' },
  resource: { type: 'Tier', id: 'frontier' }, context: {},
};
