//! The eligibility facts that policy evaluation looks at, and their vocabularies.
//!
//! These are deliberately *only* the facts a decision needs: no subject, no names, no token ids.
//! The same types come out of a verified token and out of a decoded support code, so a replay
//! decides from exactly what the live decision saw.

use std::fmt;

/// The officially assigned ISO 3166-1 alpha-2 codes, two letters each, sorted.
const ISO_3166_1: &str = "\
ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCN\
COCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHM\
HNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMK\
MLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURW\
SASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVI\
VNVUWFWSYEYTZAZMZW";

/// An ISO 3166-1 alpha-2 country code, e.g. `US`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

impl Country {
    /// The code spelled exactly `text` (upper case), if ISO 3166-1 assigns it.
    pub fn parse(text: &str) -> Option<Country> {
        let bytes: [u8; 2] = text.as_bytes().try_into().ok()?;
        let known = ISO_3166_1.as_bytes().chunks_exact(2).any(|code| code == bytes);
        known.then_some(Country(bytes))
    }

    pub fn as_str(&self) -> &str {
        // Both bytes come from the ASCII table above.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// Every assigned code, in alphabetical order.
    pub fn all() -> impl Iterator<Item = Country> {
        ISO_3166_1.as_bytes().chunks_exact(2).filter_map(|pair| <[u8; 2]>::try_from(pair).ok().map(Country))
    }

    pub fn bytes(self) -> [u8; 2] {
        self.0
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ISO 3166-2 subdivision code such as `UA-43`: an assigned country code, a hyphen and one to
/// three upper-case letters or digits. The subdivision part is checked for form only: the full
/// ISO 3166-2 list is large and changes often.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(String);

impl Region {
    pub fn parse(text: &str) -> Option<Region> {
        let (country, subdivision) = text.split_once('-')?;
        Country::parse(country)?;
        let well_formed = (1..=3).contains(&subdivision.len())
            && subdivision.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        well_formed.then(|| Region(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

crate::core::string_enum! {
    /// What the identity provider established about US-person status.
    UsPerson {
        Citizen => "citizen",
        National => "national",
        PermanentResident => "permanent_resident",
        ProtectedIndividual => "protected_individual",
        NotUsPerson => "none",
    }
}

crate::core::string_enum! {
    /// Whether the network location is hidden behind an intermediary.
    Anonymizer {
        None => "none",
        Vpn => "vpn",
        Tor => "tor",
        Relay => "relay",
        Hosting => "hosting",
    }
}

crate::core::string_enum! {
    /// The legal form of the user's organisation.
    Entity {
        UsEntity => "us_entity",
        ForeignSubsidiary => "foreign_subsidiary",
        ForeignEntity => "foreign_entity",
    }
}

crate::core::string_enum! {
    /// The three kinds of attestation; the token's `typ` header fixes which.
    Kind {
        Identity => "identity",
        Location => "location",
        Organization => "organization",
    }
}

impl Kind {
    /// The exact `typ` header value of this kind (SPEC §2).
    pub fn typ(self) -> &'static str {
        match self {
            Kind::Identity => "identity-attestation+jwt",
            Kind::Location => "location-attestation+jwt",
            Kind::Organization => "organization-attestation+jwt",
        }
    }

    pub fn from_typ(typ: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|kind| kind.typ() == typ)
    }
}

pub const SECONDS_PER_DAY: u64 = 86_400;

/// When identity proofing happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofingTime {
    /// `verified_at` from a verified token, in seconds.
    Exact(u64),
    /// From a support code, which holds only the UTC day of proofing and one bit: whether
    /// proofing happened earlier in its day than the evaluation in its own. Those two decide
    /// every whole-day age limit exactly as the exact time does (see [`ProofingAge`]).
    Day { day: u64, earlier_in_day: bool },
}

/// How long before an evaluation proofing happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofingAge {
    /// UTC days between proofing and evaluation.
    pub calendar_days: u64,
    /// Proofing happened earlier in its day than the evaluation in its own.
    pub earlier_in_day: bool,
}

impl ProofingAge {
    /// Older than `max_days` × 86,400 s, to the second. With `D` calendar days between them,
    /// the age is `D` days plus the difference of the two times of day, which lies strictly
    /// between −1 and +1 day: so it exceeds `M` days whenever `D > M`, never when `D < M`, and
    /// when `D = M` exactly when proofing was earlier in its day.
    pub fn exceeds_days(self, max_days: u64) -> bool {
        self.calendar_days > max_days || (self.calendar_days == max_days && self.earlier_in_day)
    }

    /// Whole days elapsed, for messages.
    pub fn whole_days(self) -> u64 {
        if self.earlier_in_day {
            self.calendar_days
        } else {
            self.calendar_days.saturating_sub(1)
        }
    }
}

impl ProofingTime {
    /// The UTC day of proofing.
    pub fn day(self) -> u64 {
        match self {
            ProofingTime::Exact(seconds) => seconds / SECONDS_PER_DAY,
            ProofingTime::Day { day, .. } => day,
        }
    }

    /// The age at `now`; a proofing time after `now` counts as age zero.
    pub fn age(self, now: u64) -> ProofingAge {
        let earlier_in_day = match self {
            ProofingTime::Exact(seconds) => seconds % SECONDS_PER_DAY < now % SECONDS_PER_DAY,
            ProofingTime::Day { earlier_in_day, .. } => earlier_in_day,
        };
        ProofingAge { calendar_days: (now / SECONDS_PER_DAY).saturating_sub(self.day()), earlier_in_day }
    }

    /// The last second at which proofing is no older than `max_days`, when known to the second.
    pub fn fresh_until(self, max_days: u64) -> Option<u64> {
        match self {
            ProofingTime::Exact(seconds) => Some(seconds.saturating_add(max_days.saturating_mul(SECONDS_PER_DAY))),
            ProofingTime::Day { .. } => None,
        }
    }
}

/// What an identity attestation says, as evaluation sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityFacts {
    pub us_person: UsPerson,
    pub ial: u8,
    pub verified: ProofingTime,
    /// `None` when not attested: then a citizenship test is unknown, never passed.
    pub citizenships: Option<Vec<Country>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationFacts {
    pub country: Country,
    pub region: Option<Region>,
    pub anonymizer: Anonymizer,
}

/// An export authorization held for the user by the organisation (its id is not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationFacts {
    pub kind: String,
    pub tiers: Vec<String>,
    pub exp: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationFacts {
    pub entity: Entity,
    pub restricted_party: bool,
    pub authorizations: Vec<AuthorizationFacts>,
}

/// The facts of one attestation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Facts {
    Identity(IdentityFacts),
    Location(LocationFacts),
    Organization(OrganizationFacts),
}

impl Facts {
    pub fn kind(&self) -> Kind {
        match self {
            Facts::Identity(_) => Kind::Identity,
            Facts::Location(_) => Kind::Location,
            Facts::Organization(_) => Kind::Organization,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_list_is_the_assigned_set() {
        assert_eq!(ISO_3166_1.len(), 249 * 2);
        let codes: Vec<&[u8]> = ISO_3166_1.as_bytes().chunks_exact(2).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        for good in ["US", "DE", "IR", "KP", "UA", "SS", "AX"] {
            assert!(Country::parse(good).is_some(), "{good}");
        }
        for bad in ["XX", "us", "USA", "U", "", "ZZ", "EU", "UK"] {
            assert!(Country::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn regions_need_a_country_and_a_short_code() {
        assert!(Region::parse("UA-43").is_some());
        assert!(Region::parse("US-CA").is_some());
        for bad in ["UA43", "XX-43", "UA-", "UA-1234", "ua-43", "UA-4 3"] {
            assert!(Region::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn choices_read_as_a_sentence() {
        assert_eq!(Entity::choices(), "\"us_entity\", \"foreign_subsidiary\" or \"foreign_entity\"");
    }
}
