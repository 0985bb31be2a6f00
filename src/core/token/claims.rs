//! The JWT claims set of an attestation: common claims and the facts of each kind (SPEC §2;
//! SECURITY.md rules 4, 5, 14). Read only after the signature has been verified.
//!
//! Unknown top-level claims are allowed (issuers add their own); a known claim with the wrong
//! type is `CLAIM_INVALID`, never "absent".

use crate::core::facts::{
    Anonymizer, AuthorizationFacts, Country, Entity, Facts, IdentityFacts, Kind, LocationFacts, OrganizationFacts,
    ProofingTime, Region, UsPerson,
};
use crate::core::fields::{Field, FieldError};
use crate::core::json::{Json, MAX_SAFE_INTEGER};

/// Longest `sub`, `jti`, `nonce`, `aud` entry, organisation id or name accepted.
const MAX_TEXT_CLAIM_BYTES: usize = 512;
/// Most `aud` entries, citizenships or authorizations accepted.
const MAX_LIST_ITEMS: usize = 16;

/// Claims every attestation carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommonClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,
    pub iat: u64,
    pub exp: u64,
    pub nbf: Option<u64>,
    pub nonce: Option<String>,
}

/// A time claim: an integer number of seconds in `0..=2^53-1`. Strings, fractions, negatives,
/// `1e20` and `1e309` are refused (the bugs behind rule 4 treated them as absent).
pub fn time(field: &Field<'_>) -> Result<u64, FieldError> {
    field.uint(0..=MAX_SAFE_INTEGER)
}

fn text<'a>(field: &Field<'a>) -> Result<&'a str, FieldError> {
    field.short_string(MAX_TEXT_CLAIM_BYTES)
}

fn optional<T>(
    claims: &mut crate::core::fields::Members<'_>,
    name: &str,
    read: impl FnOnce(&Field<'_>) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    claims.optional(name).map(|field| read(&field)).transpose()
}

/// Reads the common claims.
///
/// # Errors
/// The path of the first claim that is missing or mistyped.
pub fn common(payload: &Json) -> Result<CommonClaims, FieldError> {
    let root = Field::root(payload);
    let mut claims = root.object()?;
    let iss = text(&claims.required("iss")?)?.to_owned();
    let sub = text(&claims.required("sub")?)?.to_owned();
    let aud_field = claims.required("aud")?;
    let aud = match aud_field.json {
        Json::String(_) => vec![text(&aud_field)?.to_owned()],
        _ => aud_field.distinct_list(MAX_LIST_ITEMS, |item| text(item).map(str::to_owned))?,
    };
    let iat = time(&claims.required("iat")?)?;
    let exp_field = claims.required("exp")?;
    let exp = time(&exp_field)?;
    if exp <= iat {
        return Err(exp_field.error("expires before it was issued"));
    }
    let nbf = optional(&mut claims, "nbf", time)?;
    optional(&mut claims, "jti", |f| text(f).map(str::to_owned))?;
    let nonce = optional(&mut claims, "nonce", |f| text(f).map(str::to_owned))?;
    Ok(CommonClaims { iss, sub, aud, iat, exp, nbf, nonce })
}

fn country(field: &Field<'_>) -> Result<Country, FieldError> {
    let code = field.string()?;
    Country::parse(code).ok_or_else(|| field.error(format!("\"{code}\" is not an ISO 3166-1 code")))
}

fn choice<T>(field: &Field<'_>, parse: fn(&str) -> Option<T>, choices: fn() -> String) -> Result<T, FieldError> {
    let value = field.string()?;
    parse(value).ok_or_else(|| field.error(format!("must be {}", choices())))
}

/// Reads the facts of a `kind` attestation issued at `iat`.
///
/// # Errors
/// The path of the first kind claim that is missing or mistyped.
pub fn facts(kind: Kind, payload: &Json, iat: u64) -> Result<Facts, FieldError> {
    let root = Field::root(payload);
    let mut claims = root.object()?;
    match kind {
        Kind::Identity => {
            let us_person = choice(&claims.required("us_person")?, UsPerson::parse, UsPerson::choices)?;
            let ial = claims.required("ial")?.uint(1..=3)?;
            let verified_field = claims.required("verified_at")?;
            let verified_at = time(&verified_field)?;
            if verified_at > iat {
                return Err(verified_field.error("is later than the token's issue time"));
            }
            let citizenships = optional(&mut claims, "citizenships", |f| f.distinct_list(MAX_LIST_ITEMS, country))?;
            optional(&mut claims, "residence_country", country)?;
            Ok(Facts::Identity(IdentityFacts {
                us_person,
                ial: u8::try_from(ial).unwrap_or(0),
                verified: ProofingTime::Exact(verified_at),
                citizenships,
            }))
        }
        Kind::Location => {
            let country = country(&claims.required("country")?)?;
            let region = match claims.optional("region") {
                Some(field) => {
                    let code = field.string()?;
                    let region = Region::parse(code)
                        .ok_or_else(|| field.error(format!("\"{code}\" is not an ISO 3166-2 code")))?;
                    if !code.starts_with(country.as_str()) {
                        return Err(field.error("is not a region of the attested country"));
                    }
                    Some(region)
                }
                None => None,
            };
            let anonymizer = choice(&claims.required("anonymizer")?, Anonymizer::parse, Anonymizer::choices)?;
            Ok(Facts::Location(LocationFacts { country, region, anonymizer }))
        }
        Kind::Organization => {
            text(&claims.required("org_id")?)?;
            text(&claims.required("org_name")?)?;
            country(&claims.required("org_country")?)?;
            let entity = choice(&claims.required("entity")?, Entity::parse, Entity::choices)?;
            let restricted_party = claims.required("restricted_party")?.bool()?;
            let authorizations = match claims.optional("authorizations") {
                Some(list) => list
                    .bounded_array(MAX_LIST_ITEMS, true)?
                    .iter()
                    .map(authorization)
                    .collect::<Result<Vec<_>, _>>()?,
                None => Vec::new(),
            };
            Ok(Facts::Organization(OrganizationFacts { entity, restricted_party, authorizations }))
        }
    }
}

/// One `{ "id", "kind", "tiers": [..], "exp" }` entry.
fn authorization(field: &Field<'_>) -> Result<AuthorizationFacts, FieldError> {
    let mut members = field.object()?;
    text(&members.required("id")?)?;
    let kind = members.required("kind")?.short_string(64)?.to_owned();
    let tiers =
        members.required("tiers")?.distinct_list(MAX_LIST_ITEMS, |tier| tier.short_string(64).map(str::to_owned))?;
    let exp = time(&members.required("exp")?)?;
    members.finish()?;
    Ok(AuthorizationFacts { kind, tiers, exp })
}
