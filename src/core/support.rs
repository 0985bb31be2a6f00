//! Support codes (SPEC §6): `AC1-` + base64url(record ‖ checksum).
//!
//! The record holds what support needs to reproduce a decision and nothing more: versions, the
//! policy's hash, the clock, the requested tier and language, per token its kind, issuer, kid,
//! alg, times and status, the eligibility facts evaluation looked at, and the outcome and
//! reasons per tier. It never holds a raw token, signature, `sub`, `jti`, `nonce`, name or
//! e-mail: the types it is built from ([`crate::core::facts`]) do not have them. A 4-byte hash
//! of `sub` may go in, to match server logs.
//!
//! Decoding treats the code as hostile (SECURITY.md rule 21): bounded size, strict base64url,
//! checksum first, every length and count bounded, every enum value checked, no trailing bytes.

use crate::core::base64url;
use crate::core::codes::Code;
use crate::core::facts::{
    Anonymizer, AuthorizationFacts, Country, Entity, IdentityFacts, Kind, LocationFacts, OrganizationFacts, Region,
    UsPerson,
};
use crate::core::policy::evaluate::{Evidence, Outcome, Param, Reason};
use crate::core::token::TokenSummary;
use sha2::{Digest, Sha256};

/// The stable prefix.
pub const PREFIX: &str = "AC1-";
/// Longest code accepted for decoding; [`encode`] never makes a longer one.
pub const MAX_CODE_CHARS: usize = 16 * 1024;
/// How many items of each list a code keeps when the full record would be too long.
const SHORT_LIST_ITEMS: usize = 8;
const FORMAT_VERSION: u8 = 1;
const CHECKSUM_BYTES: usize = 4;
const MAX_STRING_BYTES: usize = 256;
const MAX_ITEMS: usize = 64;
/// A reason's list param can name every country a policy list may hold.
const MAX_LIST_ITEMS: usize = 300;

/// Param names a support code can carry, by position (append only).
const PARAM_NAMES: &[&str] = &[
    "kind",
    "us_person",
    "ial",
    "min_ial",
    "max_age_days",
    "age_days",
    "countries",
    "country",
    "region",
    "anonymizer",
    "entity",
    "tier",
    "authorization",
    "skew_seconds",
    "skew_minutes",
];

/// Everything a decision was made from and came to, minus anything personal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportRecord {
    pub widget_version: String,
    pub policy_version: String,
    /// First 8 bytes of the policy's SHA-256 (zeros when the policy was invalid).
    pub policy_hash: [u8; 8],
    pub leeway_seconds: u64,
    pub now: u64,
    pub server_time: Option<u64>,
    pub tier: String,
    pub lang: String,
    pub subject_hash: Option<[u8; 4]>,
    pub tokens: Vec<TokenRecord>,
    pub evidence: Evidence,
    pub tiers: Vec<TierRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub summary: TokenSummary,
    pub code: Option<Code>,
    pub used: bool,
    pub clock_suspect: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierRecord {
    pub id: String,
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
}

/// Why a pasted code cannot be used. The message is for the support agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportCodeError(pub &'static str);

impl std::fmt::Display for SupportCodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for SupportCodeError {}

/// The 4-byte subject hash.
pub fn subject_hash(sub: &str) -> [u8; 4] {
    let digest = Sha256::digest(sub.as_bytes());
    let mut out = [0u8; 4];
    out.iter_mut().zip(digest.iter()).for_each(|(o, d)| *o = *d);
    out
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Encodes a record as a support code that [`decode`] accepts. A record too big for that
/// (a policy with many tiers of long country lists) keeps only the first items of each list.
pub fn encode(record: &SupportRecord) -> String {
    let code = encode_with(record, MAX_LIST_ITEMS);
    if code.len() <= MAX_CODE_CHARS {
        return code;
    }
    encode_with(record, SHORT_LIST_ITEMS)
}

fn encode_with(record: &SupportRecord, max_list_items: usize) -> String {
    let mut w = Writer(Vec::with_capacity(256));
    w.byte(FORMAT_VERSION);
    w.string(&record.widget_version);
    w.string(&record.policy_version);
    w.0.extend_from_slice(&record.policy_hash);
    w.varint(record.leeway_seconds);
    w.varint(record.now);
    w.option(record.server_time, Writer::varint);
    w.string(&record.tier);
    w.string(&record.lang);
    w.option(record.subject_hash, |w, hash| w.0.extend_from_slice(&hash));
    w.count(record.tokens.len());
    for token in &record.tokens {
        let summary = &token.summary;
        w.option(summary.kind, |w, kind| w.byte(kind.index()));
        w.option(summary.iss.as_deref(), Writer::string);
        w.option(summary.kid.as_deref(), Writer::string);
        w.option(summary.alg.as_deref(), Writer::string);
        w.option(summary.iat, Writer::varint);
        w.option(summary.exp, Writer::varint);
        w.option(token.code, |w, code| w.byte(code.index()));
        w.byte(u8::from(token.used) | (u8::from(token.clock_suspect) << 1));
    }
    w.slot(&record.evidence.identity, |w, facts| {
        w.byte(facts.us_person.index());
        w.byte(facts.ial);
        w.varint(facts.verified_day);
        w.option(facts.citizenships.as_deref(), |w, list| {
            w.count(list.len());
            list.iter().for_each(|country| w.0.extend_from_slice(&country.bytes()));
        });
    });
    w.slot(&record.evidence.location, |w, facts| {
        w.0.extend_from_slice(&facts.country.bytes());
        w.option(facts.region.as_ref(), |w, region| w.string(region.as_str()));
        w.byte(facts.anonymizer.index());
    });
    w.slot(&record.evidence.organization, |w, facts| {
        w.byte(facts.entity.index());
        w.byte(u8::from(facts.restricted_party));
        w.count(facts.authorizations.len());
        for authorization in &facts.authorizations {
            w.string(&authorization.kind);
            w.strings(&authorization.tiers);
            w.varint(authorization.exp);
        }
    });
    w.count(record.tiers.len());
    for tier in &record.tiers {
        w.string(&tier.id);
        w.byte(outcome_index(tier.outcome));
        let reasons = tier.reasons.get(..MAX_ITEMS).unwrap_or(&tier.reasons);
        w.count(reasons.len());
        for reason in reasons {
            w.byte(reason.code.index());
            w.count(reason.params.len());
            for (name, value) in &reason.params {
                let index = PARAM_NAMES.iter().position(|known| known == name).unwrap_or(usize::from(u8::MAX));
                w.byte(u8::try_from(index).unwrap_or(u8::MAX));
                match value {
                    Param::Text(text) => {
                        w.byte(0);
                        w.string(text);
                    }
                    Param::Number(n) => {
                        w.byte(1);
                        // Zigzag, so small negative skews stay short.
                        w.varint(((n << 1) ^ (n >> 63)) as u64);
                    }
                    Param::List(items) => {
                        w.byte(2);
                        w.strings(items.get(..max_list_items).unwrap_or(items));
                    }
                }
            }
        }
    }
    let checksum = Sha256::digest(&w.0);
    w.0.extend_from_slice(checksum.get(..CHECKSUM_BYTES).unwrap_or_default());
    format!("{PREFIX}{}", base64url::encode(&w.0))
}

fn outcome_index(outcome: Outcome) -> u8 {
    Outcome::ALL.iter().position(|o| *o == outcome).and_then(|i| u8::try_from(i).ok()).unwrap_or(u8::MAX)
}

/// Decodes a pasted support code. Surrounding whitespace is forgiven; nothing else is.
///
/// # Errors
/// A plain message: wrong prefix, damaged (checksum), too long, or not a code this version
/// can read.
pub fn decode(code: &str) -> Result<SupportRecord, SupportCodeError> {
    let code = code.trim();
    if code.len() > MAX_CODE_CHARS {
        return Err(SupportCodeError("the support code is too long"));
    }
    let body = code.strip_prefix(PREFIX).ok_or(SupportCodeError("a support code starts with \"AC1-\""))?;
    let bytes = base64url::decode(body.as_bytes())
        .ok_or(SupportCodeError("the support code is damaged: it has characters a code never has"))?;
    let split = bytes.len().checked_sub(CHECKSUM_BYTES).ok_or(SupportCodeError("the support code is too short"))?;
    let (payload, checksum) = bytes.split_at(split);
    if Sha256::digest(payload).get(..CHECKSUM_BYTES) != Some(checksum) {
        return Err(SupportCodeError("the support code is damaged (its checksum does not match); copy it again"));
    }
    let mut r = Reader { bytes: payload, pos: 0 };
    if r.byte()? != FORMAT_VERSION {
        return Err(SupportCodeError("the support code was made by a version this one cannot read"));
    }
    let record = read_record(&mut r)?;
    if r.pos != payload.len() {
        return Err(INVALID);
    }
    Ok(record)
}

const INVALID: SupportCodeError = SupportCodeError("the support code is not valid");

fn read_record(r: &mut Reader<'_>) -> Result<SupportRecord, SupportCodeError> {
    let widget_version = r.string()?;
    let policy_version = r.string()?;
    let policy_hash: [u8; 8] = r.take(8)?.try_into().map_err(|_| INVALID)?;
    let leeway_seconds = r.varint()?;
    let now = r.varint()?;
    let server_time = r.option(Reader::varint)?;
    let tier = r.string()?;
    let lang = r.string()?;
    let subject_hash = r.option(|r| r.take(4)?.try_into().map_err(|_| INVALID))?;
    let mut tokens = Vec::new();
    for _ in 0..r.count(8)? {
        tokens.push(TokenRecord {
            summary: TokenSummary {
                kind: r.option(|r| Kind::from_index(r.byte()?).ok_or(INVALID))?,
                iss: r.option(Reader::string)?,
                kid: r.option(Reader::string)?,
                alg: r.option(Reader::string)?,
                iat: r.option(Reader::varint)?,
                exp: r.option(Reader::varint)?,
            },
            code: r.option(|r| Code::from_index(r.byte()?).ok_or(INVALID))?,
            used: false,
            clock_suspect: false,
        });
        let flags = r.byte()?;
        if flags > 3 {
            return Err(INVALID);
        }
        if let Some(token) = tokens.last_mut() {
            token.used = flags & 1 != 0;
            token.clock_suspect = flags & 2 != 0;
        }
    }
    let identity = r.slot(|r| {
        Ok(IdentityFacts {
            us_person: UsPerson::from_index(r.byte()?).ok_or(INVALID)?,
            ial: match r.byte()? {
                ial @ 1..=3 => ial,
                _ => return Err(INVALID),
            },
            verified_day: r.varint()?,
            citizenships: r.option(|r| (0..r.count(MAX_ITEMS)?).map(|_| r.country()).collect())?,
        })
    })?;
    let location = r.slot(|r| {
        Ok(LocationFacts {
            country: r.country()?,
            region: r.option(|r| Region::parse(&r.string()?).ok_or(INVALID))?,
            anonymizer: Anonymizer::from_index(r.byte()?).ok_or(INVALID)?,
        })
    })?;
    let organization = r.slot(|r| {
        let entity = Entity::from_index(r.byte()?).ok_or(INVALID)?;
        let restricted_party = r.bool()?;
        let mut authorizations = Vec::new();
        for _ in 0..r.count(MAX_ITEMS)? {
            authorizations.push(AuthorizationFacts { kind: r.string()?, tiers: r.strings()?, exp: r.varint()? });
        }
        Ok(OrganizationFacts { entity, restricted_party, authorizations })
    })?;
    let mut tiers = Vec::new();
    for _ in 0..r.count(32)? {
        let id = r.string()?;
        if tiers.iter().any(|tier: &TierRecord| tier.id == id) {
            return Err(INVALID);
        }
        let outcome = Outcome::ALL.get(usize::from(r.byte()?)).copied().ok_or(INVALID)?;
        let mut reasons = Vec::new();
        for _ in 0..r.count(MAX_ITEMS)? {
            let mut reason = Reason::new(Code::from_index(r.byte()?).ok_or(INVALID)?);
            for _ in 0..r.count(8)? {
                let name = PARAM_NAMES.get(usize::from(r.byte()?)).copied().ok_or(INVALID)?;
                // A name twice would make the report's `params` object ambiguous.
                if reason.param(name).is_some() {
                    return Err(INVALID);
                }
                let value = match r.byte()? {
                    0 => Param::Text(r.string()?),
                    1 => {
                        let zigzag = r.varint()?;
                        Param::Number(((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64))
                    }
                    2 => Param::List((0..r.count(MAX_LIST_ITEMS)?).map(|_| r.string()).collect::<Result<_, _>>()?),
                    _ => return Err(INVALID),
                };
                reason = reason.with(name, value);
            }
            reasons.push(reason);
        }
        tiers.push(TierRecord { id, outcome, reasons });
    }
    Ok(SupportRecord {
        widget_version,
        policy_version,
        policy_hash,
        leeway_seconds,
        now,
        server_time,
        tier,
        lang,
        subject_hash,
        tokens,
        evidence: Evidence { identity, location, organization },
        tiers,
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn byte(&mut self, byte: u8) {
        self.0.push(byte);
    }

    /// LEB128.
    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn count(&mut self, n: usize) {
        self.varint(n as u64);
    }

    /// Strings are cut to their first 256 bytes (at a character boundary): codes stay short.
    fn string(&mut self, text: &str) {
        let mut end = text.len().min(MAX_STRING_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let cut = text.get(..end).unwrap_or_default();
        self.count(cut.len());
        self.0.extend_from_slice(cut.as_bytes());
    }

    fn strings(&mut self, items: &[String]) {
        self.count(items.len());
        items.iter().for_each(|item| self.string(item));
    }

    fn option<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Writer, T)) {
        match value {
            Some(value) => {
                self.byte(1);
                write(self, value);
            }
            None => self.byte(0),
        }
    }

    /// Facts of one kind, or the code that explains their absence.
    fn slot<T>(&mut self, slot: &Result<T, Code>, write: impl FnOnce(&mut Writer, &T)) {
        match slot {
            Ok(facts) => {
                self.byte(1);
                write(self, facts);
            }
            Err(code) => {
                self.byte(0);
                self.byte(code.index());
            }
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SupportCodeError> {
        let end = self.pos.checked_add(n).ok_or(INVALID)?;
        let slice = self.bytes.get(self.pos..end).ok_or(INVALID)?;
        self.pos = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8, SupportCodeError> {
        self.take(1)?.first().copied().ok_or(INVALID)
    }

    fn bool(&mut self) -> Result<bool, SupportCodeError> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(INVALID),
        }
    }

    /// LEB128, at most 2^53 - 1, minimal encoding only.
    fn varint(&mut self) -> Result<u64, SupportCodeError> {
        let mut value = 0u64;
        for shift in (0..56).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(INVALID);
                }
                return if value <= crate::core::json::MAX_SAFE_INTEGER { Ok(value) } else { Err(INVALID) };
            }
        }
        Err(INVALID)
    }

    fn count(&mut self, max: usize) -> Result<usize, SupportCodeError> {
        let n = usize::try_from(self.varint()?).map_err(|_| INVALID)?;
        if n > max {
            return Err(INVALID);
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, SupportCodeError> {
        let len = self.count(MAX_STRING_BYTES)?;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| INVALID)
    }

    fn strings(&mut self) -> Result<Vec<String>, SupportCodeError> {
        (0..self.count(MAX_ITEMS)?).map(|_| self.string()).collect()
    }

    fn country(&mut self) -> Result<Country, SupportCodeError> {
        let bytes = self.take(2)?;
        std::str::from_utf8(bytes).ok().and_then(Country::parse).ok_or(INVALID)
    }

    fn option<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, SupportCodeError>,
    ) -> Result<Option<T>, SupportCodeError> {
        if self.bool()? {
            read(self).map(Some)
        } else {
            Ok(None)
        }
    }

    fn slot<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, SupportCodeError>,
    ) -> Result<Result<T, Code>, SupportCodeError> {
        if self.bool()? {
            read(self).map(Ok)
        } else {
            Ok(Err(Code::from_index(self.byte()?).ok_or(INVALID)?))
        }
    }
}
