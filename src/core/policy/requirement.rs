//! Requirements: `{"all": [..]}`, `{"any": [..]}`, `{"not": r}` or one test on one kind.

use crate::core::facts::{Anonymizer, Country, Entity, Region, UsPerson};
use crate::core::fields::{quoted, Field, FieldError};

const MAX_BRANCHES: usize = 32;
const MAX_CODES: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    All(Vec<Requirement>),
    Any(Vec<Requirement>),
    Not(Box<Requirement>),
    Identity(IdentityTest),
    Location(LocationTest),
    Organization(OrganizationTest),
}

/// Every field given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityTest {
    pub us_person: Option<Vec<UsPerson>>,
    pub min_ial: Option<u8>,
    pub max_age_days: Option<u64>,
    pub citizenship_any_of: Option<Vec<Country>>,
    pub citizenship_none_of: Option<Vec<Country>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocationTest {
    pub countries_in: Option<Vec<Country>>,
    pub countries_not_in: Option<Vec<Country>>,
    pub regions_not_in: Option<Vec<Region>>,
    pub anonymizers: Option<Vec<Anonymizer>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationTest {
    pub entities: Option<Vec<Entity>>,
    pub authorization_for_tier: bool,
    pub not_restricted_party: bool,
}

fn countries(field: &Field<'_>) -> Result<Vec<Country>, FieldError> {
    field.distinct_list(MAX_CODES, |item| {
        let code = item.string()?;
        Country::parse(code).ok_or_else(|| item.error(format!("{} is not an ISO 3166-1 code", quoted(code))))
    })
}

fn regions(field: &Field<'_>) -> Result<Vec<Region>, FieldError> {
    field.distinct_list(MAX_CODES, |item| {
        let code = item.string()?;
        Region::parse(code).ok_or_else(|| item.error(format!("{} is not an ISO 3166-2 code", quoted(code))))
    })
}

fn choices<T: Ord>(field: &Field<'_>, parse: fn(&str) -> Option<T>, all: fn() -> String) -> Result<Vec<T>, FieldError> {
    field.distinct_list(16, |item| {
        let value = item.string()?;
        parse(value).ok_or_else(|| item.error(format!("{} is not one of {}", quoted(value), all())))
    })
}

impl Requirement {
    /// Reads a requirement; nesting is bounded by the JSON depth limit.
    ///
    /// # Errors
    /// The path of the first problem.
    pub fn parse(field: &Field<'_>) -> Result<Requirement, FieldError> {
        let mut members = field.object()?;
        let entries = members.rest();
        let [(name, inner)] = entries.as_slice() else {
            return Err(
                field.error("a requirement has exactly one member: all, any, not, identity, location or organization")
            );
        };
        match *name {
            "all" | "any" => {
                let children = inner
                    .bounded_array(MAX_BRANCHES, false)?
                    .iter()
                    .map(Requirement::parse)
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if *name == "all" { Requirement::All(children) } else { Requirement::Any(children) })
            }
            "not" => Ok(Requirement::Not(Box::new(Requirement::parse(inner)?))),
            "identity" => parse_identity(inner).map(Requirement::Identity),
            "location" => parse_location(inner).map(Requirement::Location),
            "organization" => parse_organization(inner).map(Requirement::Organization),
            _ => Err(inner.error("is not all, any, not, identity, location or organization")),
        }
    }
}

fn parse_identity(field: &Field<'_>) -> Result<IdentityTest, FieldError> {
    let mut members = field.object()?;
    let test = IdentityTest {
        us_person: members
            .optional("us_person")
            .map(|f| choices(&f, UsPerson::parse, UsPerson::choices))
            .transpose()?,
        min_ial: members
            .optional("min_ial")
            .map(|f| f.uint(1..=3).map(|n| u8::try_from(n).unwrap_or(u8::MAX)))
            .transpose()?,
        max_age_days: members.optional("max_age_days").map(|f| f.uint(1..=3650)).transpose()?,
        citizenship_any_of: members.optional("citizenship_any_of").map(|f| countries(&f)).transpose()?,
        citizenship_none_of: members.optional("citizenship_none_of").map(|f| countries(&f)).transpose()?,
    };
    members.finish()?;
    Ok(test)
}

fn parse_location(field: &Field<'_>) -> Result<LocationTest, FieldError> {
    let mut members = field.object()?;
    let test = LocationTest {
        countries_in: members.optional("countries_in").map(|f| countries(&f)).transpose()?,
        countries_not_in: members.optional("countries_not_in").map(|f| countries(&f)).transpose()?,
        regions_not_in: members.optional("regions_not_in").map(|f| regions(&f)).transpose()?,
        anonymizers: members
            .optional("anonymizers")
            .map(|f| choices(&f, Anonymizer::parse, Anonymizer::choices))
            .transpose()?,
    };
    members.finish()?;
    Ok(test)
}

fn parse_organization(field: &Field<'_>) -> Result<OrganizationTest, FieldError> {
    let mut members = field.object()?;
    let test = OrganizationTest {
        entities: members.optional("entities").map(|f| choices(&f, Entity::parse, Entity::choices)).transpose()?,
        authorization_for_tier: members
            .optional("authorization_for_tier")
            .map(|f| f.bool())
            .transpose()?
            .unwrap_or(false),
        not_restricted_party: members.optional("not_restricted_party").map(|f| f.bool()).transpose()?.unwrap_or(false),
    };
    members.finish()?;
    Ok(test)
}
