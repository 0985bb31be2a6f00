//! The policy document (SPEC §3): parsing with validation, and its evaluation.
//!
//! Everything is checked up front, so a policy that parses can be evaluated without surprises:
//! unknown fields, wrong types, duplicate keys, unknown codes, unassigned country codes and keys
//! that could serve two algorithms are all refused, with the JSON path of the problem.

pub mod evaluate;
pub mod keys;
pub mod requirement;

pub use requirement::{IdentityTest, LocationTest, OrganizationTest, Requirement};

use crate::core::codes::{Action, Code};
use crate::core::facts::Kind;
use crate::core::fields::{quoted, Field, FieldError, Members};
use crate::core::json::Json;
use crate::core::token::jwk::{self, Key};
use crate::core::token::Algorithm;
use crate::core::unique::first_duplicate;
use crate::core::url;
use sha2::{Digest, Sha256};

/// Largest policy document accepted.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;
const MAX_ISSUERS: usize = 32;
const MAX_TIERS: usize = 32;
const MAX_TEXT_BYTES: usize = 1024;
const MAX_URL_BYTES: usize = 2048;
/// Leeway beyond five minutes hides real clock problems (rule 15: never widened).
const MAX_LEEWAY_SECONDS: u64 = 300;
const MAX_TOKEN_AGE_SECONDS: u64 = 400 * 86_400;
/// Link names in `links`, which tier ids may not reuse.
const LINK_NAMES: &[&str] = &["verify_identity", "support", "policy"];

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub version: String,
    pub audience: String,
    pub leeway_seconds: u64,
    pub issuers: Vec<Issuer>,
    pub tiers: Vec<Tier>,
    pub links: Links,
    /// Per tier overrides of `links` (`links.<tier id>`).
    pub tier_links: Vec<(String, Links)>,
    pub messages: Vec<Messages>,
    /// SHA-256 of the document's compact serialization: what support codes compare.
    pub hash: [u8; 32],
}

#[derive(Debug, Clone)]
pub struct Issuer {
    pub iss: String,
    pub kinds: Vec<Kind>,
    pub algorithms: Vec<Algorithm>,
    pub max_token_age_seconds: Option<u64>,
    /// Inline keys; when present they are the issuer's keys and `jwks_uri` is not fetched.
    pub keys: Option<Vec<Key>>,
    pub jwks_uri: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Tier {
    pub id: String,
    /// `(language tag, label)`.
    pub label: Vec<(String, String)>,
    pub models: Vec<String>,
    pub require: Requirement,
}

impl Tier {
    /// The label in `lang` (or its primary language), else English, else the id.
    pub fn label_in(&self, lang: &str) -> &str {
        let primary = lang.split('-').next().unwrap_or(lang);
        [lang, primary, "en"]
            .iter()
            .find_map(|wanted| self.label.iter().find(|(tag, _)| tag == wanted))
            .map_or(self.id.as_str(), |(_, label)| label.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    pub verify_identity: Option<String>,
    pub support: Option<String>,
    pub policy: Option<String>,
}

/// Text overrides for one language: per code or action, globally or for one tier.
#[derive(Debug, Clone, Default)]
pub struct Messages {
    pub lang: String,
    pub global: Vec<(String, String)>,
    pub per_tier: Vec<(String, Vec<(String, String)>)>,
}

impl Policy {
    /// Parses and validates a policy document.
    ///
    /// # Errors
    /// A [`FieldError`] naming the JSON path of the first problem.
    ///
    /// # Example
    /// ```
    /// let error = access_check::core::policy::Policy::parse(r#"{"version": 1}"#).unwrap_err();
    /// assert_eq!(error.to_string(), "version: expected a string, found a number");
    /// ```
    pub fn parse(text: &str) -> Result<Policy, FieldError> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(FieldError {
                path: String::new(),
                message: format!("the policy is larger than {MAX_POLICY_BYTES} bytes"),
            });
        }
        let json = Json::parse(text).map_err(|error| FieldError {
            path: String::new(),
            message: format!("the policy is not valid JSON: {error}"),
        })?;
        Policy::from_json(&json)
    }

    /// Validates an already parsed document.
    ///
    /// # Errors
    /// As [`Policy::parse`].
    /// A policy given either as its document or as the document's JSON text (the text parsed
    /// strictly, so duplicate keys are caught; a document has already been through a parser).
    ///
    /// # Errors
    /// As [`Policy::parse`] and [`Policy::from_json`].
    pub fn from_json_or_text(json: &Json) -> Result<Policy, FieldError> {
        match json {
            Json::String(text) => Policy::parse(text),
            document => Policy::from_json(document),
        }
    }

    pub fn from_json(json: &Json) -> Result<Policy, FieldError> {
        let root = Field::root(json);
        let mut members = root.object()?;
        let version = members.required("version")?.short_string(64)?.to_owned();
        let audience = ascii_identifier(&members.required("audience")?)?;
        let leeway_seconds = match members.optional("leeway_seconds") {
            Some(field) => field.uint(0..=MAX_LEEWAY_SECONDS)?,
            None => 60,
        };
        let issuer_fields = members.required("issuers")?.bounded_array(MAX_ISSUERS, false)?;
        let issuers = issuer_fields.iter().map(parse_issuer).collect::<Result<Vec<_>, _>>()?;
        let names: Vec<&str> = issuers.iter().map(|issuer| issuer.iss.as_str()).collect();
        if let Some((field, iss)) = first_duplicate(&names).and_then(|i| issuer_fields.get(i).zip(names.get(i))) {
            return Err(field.error(format!("the issuer {} is listed twice", quoted(iss))));
        }
        let tier_fields = members.required("tiers")?.bounded_array(MAX_TIERS, false)?;
        let tiers = tier_fields.iter().map(parse_tier).collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<&str> = tiers.iter().map(|tier| tier.id.as_str()).collect();
        if let Some((field, id)) = first_duplicate(&ids).and_then(|i| tier_fields.get(i).zip(ids.get(i))) {
            return Err(field.error(format!("the tier id {} is used twice", quoted(id))));
        }
        let tier_ids: Vec<&str> = tiers.iter().map(|tier| tier.id.as_str()).collect();
        let (links, tier_links) = match members.optional("links") {
            Some(field) => parse_links_with_tiers(&field, &tier_ids)?,
            None => (Links::default(), Vec::new()),
        };
        let messages = match members.optional("messages") {
            Some(field) => parse_messages(&field, &tier_ids)?,
            None => Vec::new(),
        };
        members.finish()?;
        let hash = Sha256::digest(json.to_compact().as_bytes()).into();
        Ok(Policy { version, audience, leeway_seconds, issuers, tiers, links, tier_links, messages, hash })
    }

    pub fn tier(&self, id: &str) -> Option<&Tier> {
        self.tiers.iter().find(|tier| tier.id == id)
    }

    /// The links for a tier: its overrides, else the policy's.
    pub fn links_for(&self, tier: &str) -> Links {
        let specific = self.tier_links.iter().find(|(id, _)| id == tier).map(|(_, links)| links);
        let pick = |get: fn(&Links) -> &Option<String>| {
            specific.and_then(|links| get(links).clone()).or_else(|| get(&self.links).clone())
        };
        Links {
            verify_identity: pick(|l| &l.verify_identity),
            support: pick(|l| &l.support),
            policy: pick(|l| &l.policy),
        }
    }

    /// The policy's own text for `key` (a code or action) in `lang`, for `tier` first.
    pub fn message(&self, lang: &str, tier: &str, key: &str) -> Option<&str> {
        let messages = self.messages.iter().find(|messages| messages.lang == lang)?;
        let specific = messages
            .per_tier
            .iter()
            .find(|(id, _)| id == tier)
            .and_then(|(_, texts)| texts.iter().find(|(k, _)| k == key));
        specific.or_else(|| messages.global.iter().find(|(k, _)| k == key)).map(|(_, text)| text.as_str())
    }
}

/// Issuer and audience: non-empty printable ASCII, compared byte for byte (rule 5).
fn ascii_identifier(field: &Field<'_>) -> Result<String, FieldError> {
    let text = field.short_string(MAX_URL_BYTES)?;
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(field.error("must be printable ASCII without spaces"));
    }
    Ok(text.to_owned())
}

/// A link the widget may put in front of a user: absolute http(s), a same-site path, or mailto.
fn url(field: &Field<'_>) -> Result<String, FieldError> {
    checked_url(field, url::check_link)
}

/// A URL keys are fetched from: https (http only on loopback) or a same-site path.
fn key_url(field: &Field<'_>) -> Result<String, FieldError> {
    checked_url(field, url::check_key_url)
}

fn checked_url(field: &Field<'_>, check: fn(&str) -> Result<(), url::UrlError>) -> Result<String, FieldError> {
    let text = field.short_string(MAX_URL_BYTES)?;
    check(text).map_err(|problem| field.error(format!("{} {problem}", quoted(text))))?;
    Ok(text.to_owned())
}

fn parse_issuer(field: &Field<'_>) -> Result<Issuer, FieldError> {
    let mut members = field.object()?;
    let iss = ascii_identifier(&members.required("iss")?)?;
    let kinds = members.required("kinds")?.distinct_list(3, |kind| {
        let name = kind.string()?;
        Kind::parse(name).ok_or_else(|| kind.error(format!("must be {}", Kind::choices())))
    })?;
    let algorithms = read_algorithms(&members.required("algorithms")?)?;
    let max_token_age_seconds = match members.optional("max_token_age_seconds") {
        Some(age) => Some(age.uint(1..=MAX_TOKEN_AGE_SECONDS)?),
        None => None,
    };
    let keys = match members.optional("jwks") {
        Some(jwks) => Some(jwk::parse_jwks(&jwks, &algorithms)?),
        None => None,
    };
    let jwks_uri = match members.optional("jwks_uri") {
        Some(uri) => Some(key_url(&uri)?),
        None => None,
    };
    if keys.is_none() && jwks_uri.is_none() {
        return Err(field.error("an issuer needs \"jwks\" or \"jwks_uri\""));
    }
    members.finish()?;
    Ok(Issuer { iss, kinds, algorithms, max_token_age_seconds, keys, jwks_uri })
}

/// The issuer's algorithms. Names must be distinct; `EdDSA` and `Ed25519` fold into one.
fn read_algorithms(field: &Field<'_>) -> Result<Vec<Algorithm>, FieldError> {
    let names = field.distinct_list(5, |item| item.string())?;
    let mut out = Vec::new();
    for (item, name) in field.array()?.iter().zip(names) {
        let alg = Algorithm::parse(name).ok_or_else(|| {
            item.error(format!("{} is not supported; use ES256, EdDSA, Ed25519, RS256 or PS256", quoted(name)))
        })?;
        if !out.contains(&alg) {
            out.push(alg);
        }
    }
    Ok(out)
}

fn is_tier_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    id.len() <= 64
        && bytes.next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A BCP 47 language tag in its common form: `en`, `es-419`, `zh-Hant-TW`.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok =
        parts.next().is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    primary_ok
        && tag.len() <= 35
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn parse_tier(field: &Field<'_>) -> Result<Tier, FieldError> {
    let mut members = field.object()?;
    let id_field = members.required("id")?;
    let id = id_field.string()?;
    if !is_tier_id(id) {
        return Err(id_field
            .error(format!("{} is not a tier id (lower-case letters, digits, '-' and '_', at most 64)", quoted(id))));
    }
    let reserved = LINK_NAMES.contains(&id) || Action::parse(id).is_some();
    if reserved {
        return Err(id_field.error(format!("{} is reserved; choose another tier id", quoted(id))));
    }
    let label = match members.optional("label") {
        Some(label) => language_map(&label, |text| text.short_string(MAX_TEXT_BYTES).map(str::to_owned))?,
        None => Vec::new(),
    };
    let models = match members.optional("models") {
        Some(models) => models.distinct_list(64, |model| model.short_string(128).map(str::to_owned))?,
        None => Vec::new(),
    };
    let require = Requirement::parse(&members.required("require")?)?;
    members.finish()?;
    Ok(Tier { id: id.to_owned(), label, models, require })
}

/// An object keyed by language tag.
fn language_map<T>(
    field: &Field<'_>,
    mut value: impl FnMut(&Field<'_>) -> Result<T, FieldError>,
) -> Result<Vec<(String, T)>, FieldError> {
    let mut members = field.object()?;
    let mut out = Vec::new();
    for (tag, item) in members.rest() {
        if !is_language_tag(tag) {
            return Err(item.error(format!("{} is not a language tag such as \"en\" or \"es-419\"", quoted(tag))));
        }
        out.push((tag.to_owned(), value(&item)?));
    }
    Ok(out)
}

fn parse_links(members: &mut Members<'_>) -> Result<Links, FieldError> {
    let mut read = |name: &str| members.optional(name).map(|field| url(&field)).transpose();
    Ok(Links { verify_identity: read("verify_identity")?, support: read("support")?, policy: read("policy")? })
}

/// `links`: the link names, plus per-tier objects of the same shape.
fn parse_links_with_tiers(field: &Field<'_>, tier_ids: &[&str]) -> Result<(Links, Vec<(String, Links)>), FieldError> {
    let mut members = field.object()?;
    let links = parse_links(&mut members)?;
    let mut per_tier = Vec::new();
    for (name, item) in members.rest() {
        if !tier_ids.contains(&name) {
            return Err(item.error("is neither a link name (verify_identity, support, policy) nor a tier id"));
        }
        let mut tier_members = item.object()?;
        let tier_links = parse_links(&mut tier_members)?;
        tier_members.finish()?;
        per_tier.push((name.to_owned(), tier_links));
    }
    Ok((links, per_tier))
}

/// A message key: any reason code or remedy action.
fn is_message_key(key: &str) -> bool {
    Code::parse(key).is_some() || Action::parse(key).is_some()
}

fn message_text(field: &Field<'_>) -> Result<String, FieldError> {
    field.short_string(MAX_TEXT_BYTES).map(str::to_owned)
}

/// `messages`: `{lang: {CODE: text, tier_id: {CODE: text}}}`.
fn parse_messages(field: &Field<'_>, tier_ids: &[&str]) -> Result<Vec<Messages>, FieldError> {
    let by_lang = language_map(field, |texts| {
        let mut members = texts.object()?;
        let mut global = Vec::new();
        let mut per_tier = Vec::new();
        for (key, item) in members.rest() {
            if is_message_key(key) {
                global.push((key.to_owned(), message_text(&item)?));
            } else if tier_ids.contains(&key) {
                let mut tier_members = item.object()?;
                let mut texts = Vec::new();
                for (code, text) in tier_members.rest() {
                    if !is_message_key(code) {
                        return Err(text.error("is not a reason code or remedy action"));
                    }
                    texts.push((code.to_owned(), message_text(&text)?));
                }
                per_tier.push((key.to_owned(), texts));
            } else {
                return Err(item.error("is neither a reason code, a remedy action nor a tier id"));
            }
        }
        Ok((global, per_tier))
    })?;
    Ok(by_lang.into_iter().map(|(lang, (global, per_tier))| Messages { lang, global, per_tier }).collect())
}
