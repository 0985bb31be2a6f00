//! Support codes (SPEC §6): `AC1-` + base64url(record ‖ checksum).
//!
//! The record holds what support needs to reproduce a decision and nothing more: versions, the
//! policy's hash, the clock, the requested tier and language, per token its kind, issuer, kid,
//! alg, times and status, the eligibility facts evaluation looked at, and the outcome, reasons,
//! label and message overrides per tier (so that a replay without the policy reads as the user's
//! page did). It never holds a raw token, signature, `sub`, `jti`, `nonce`, name or e-mail: the
//! types it is built from ([`crate::core::facts`]) do not have them. A 4-byte hash of `sub` may
//! go in, to match server logs. Proofing time is held as its UTC day and one bit (see
//! [`ProofingTime::Day`]).
//!
//! **What a code proves, and what not.** A code is what the user's browser reported: anyone can
//! build one, with a correct checksum, that says anything. Decoding therefore treats it as
//! hostile (SECURITY.md rule 21): bounded size, strict base64url, checksum first, every length
//! and count bounded, every enum value checked, no trailing bytes, and then its parts must agree
//! with each other ([`contradiction`]): no grant with failing reasons, no facts without the
//! accepted token they came from, no informational code on a failing tier. Replay re-derives the
//! decision from the recorded facts; a code whose recorded decision differs from that under its
//! own policy is refused ([`crate::core::check::replay`]). A code that passes all of this is
//! still only a coherent claim: the server's audit trail is the record of what was decided.
//!
//! **Every code [`encode`] makes, [`decode`] accepts.** Both use the limits below. A record
//! too big for [`MAX_CODE_CHARS`] is written with less detail, step by step ([`Detail`]), and the
//! code says how much was left out; the last step is small for every valid policy by
//! construction (see `tests/support_codes.rs`).

use crate::core::base64url;
use crate::core::check::MAX_TOKENS;
use crate::core::codes::{Action, Code};
use crate::core::facts::{
    Anonymizer, AuthorizationFacts, Country, Entity, IdentityFacts, Kind, LocationFacts, OrganizationFacts,
    ProofingTime, Region, UsPerson, SECONDS_PER_DAY,
};
use crate::core::policy::evaluate::{Evidence, Outcome, Param, Reason};
use crate::core::token::TokenSummary;
use sha2::{Digest, Sha256};

/// The stable prefix.
pub const PREFIX: &str = "AC1-";
/// Longest code accepted for decoding; [`encode`] never makes a longer one.
pub const MAX_CODE_CHARS: usize = 16 * 1024;
/// Token records a code holds: every token of an evaluation, and with more than
/// [`MAX_TOKENS`] (all refused), the first `MAX_TOKENS + 1`, which shows the limit was passed.
pub const MAX_TOKEN_RECORDS: usize = MAX_TOKENS + 1;
const FORMAT_VERSION: u8 = 2;
const CHECKSUM_BYTES: usize = 4;
/// Strings from tokens (issuer, kid, alg), versions, ids.
const MAX_STRING_BYTES: usize = 256;
/// Policy texts: tier labels and message overrides (the policy's own limit).
const MAX_TEXT_BYTES: usize = 1024;
const MAX_TIERS: usize = 32;
const MAX_REASONS: usize = 64;
const MAX_PARAMS: usize = 8;
/// A reason's list param can name every country a policy list may hold.
const MAX_LIST_ITEMS: usize = 300;
/// Citizenships, authorizations and an authorization's tiers (the claims' own limit).
const MAX_CLAIM_ITEMS: usize = 16;
/// Message overrides per tier: at most one per reason code and remedy action.
const MAX_MESSAGES: usize = 96;

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
    "fact",
];

/// How much a code leaves out to stay under [`MAX_CODE_CHARS`]; each level keeps less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Detail {
    /// Everything.
    #[default]
    Full,
    /// No message overrides; lists in reasons cut to 8 items.
    NoMessages,
    /// Also no tier labels; at most 8 reasons per tier.
    FewReasons,
    /// Also no reasons (outcomes only); token strings cut to 64 bytes; an authorization's tiers
    /// only where they name a tier of the policy.
    OutcomesOnly,
}

struct Limits {
    list_items: usize,
    reasons: usize,
    token_text: usize,
    labels: bool,
    messages: bool,
    foreign_tiers: bool,
}

impl Detail {
    const ALL: [Detail; 4] = [Detail::Full, Detail::NoMessages, Detail::FewReasons, Detail::OutcomesOnly];

    fn limits(self) -> Limits {
        match self {
            Detail::Full => Limits {
                list_items: MAX_LIST_ITEMS,
                reasons: MAX_REASONS,
                token_text: MAX_STRING_BYTES,
                labels: true,
                messages: true,
                foreign_tiers: true,
            },
            Detail::NoMessages => Limits { list_items: 8, messages: false, ..Detail::Full.limits() },
            Detail::FewReasons => Limits { reasons: 8, labels: false, ..Detail::NoMessages.limits() },
            Detail::OutcomesOnly => {
                Limits { reasons: 0, token_text: 64, foreign_tiers: false, ..Detail::FewReasons.limits() }
            }
        }
    }

    fn index(self) -> u8 {
        self as u8
    }

    /// How the report's `replay.detail` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Detail::Full => "full",
            Detail::NoMessages => "no_messages",
            Detail::FewReasons => "few_reasons",
            Detail::OutcomesOnly => "outcomes_only",
        }
    }
}

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
    /// The outcome per tier as the user's page showed it.
    pub tiers: Vec<TierRecord>,
    /// Set when the user's page could not use its policy (`POLICY_INVALID`).
    pub error: Option<RecordedError>,
    pub detail: Detail,
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
    /// The label the user read, when the policy gave one.
    pub label: Option<String>,
    /// The policy's overrides of the sentences this tier showed: (code or action, text).
    pub messages: Vec<(MessageKey, String)>,
}

/// What a message override replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKey {
    Reason(Code),
    Remedy(Action),
}

impl MessageKey {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKey::Reason(code) => code.as_str(),
            MessageKey::Remedy(action) => action.as_str(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedError {
    pub code: Code,
    pub message: String,
}

/// What copying a code through e-mail or chat adds around or inside it.
fn is_paste_noise(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '"' | '\'' | '`' | '>' | '“' | '”' | '‘' | '’' | '«' | '»' | '\u{200b}' | '\u{feff}')
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

/// The time the record's decision was judged at: the server time when known.
pub fn judged_at(record: &SupportRecord) -> u64 {
    record.server_time.unwrap_or(record.now)
}

/// Encodes a record as a support code that [`decode`] accepts, with as much detail as fits.
pub fn encode(record: &SupportRecord) -> String {
    let mut code = String::new();
    for detail in Detail::ALL {
        code = write(&shorten(record, detail));
        if code.len() <= MAX_CODE_CHARS {
            break;
        }
    }
    code
}

/// The record as a code with `detail` holds it (never more detail than it already has).
pub fn shorten(record: &SupportRecord, detail: Detail) -> SupportRecord {
    let detail = detail.max(record.detail);
    let limits = detail.limits();
    let tier_ids: Vec<&str> = record.tiers.iter().map(|tier| tier.id.as_str()).collect();
    let cut_text = |text: &Option<String>| text.as_deref().map(|text| cut(text, limits.token_text));
    let evidence = Evidence {
        identity: record.evidence.identity.clone(),
        location: record.evidence.location.clone(),
        organization: record.evidence.organization.clone().map(|mut facts| {
            for authorization in &mut facts.authorizations {
                authorization.kind = cut(&authorization.kind, MAX_STRING_BYTES);
                if !limits.foreign_tiers {
                    authorization.tiers.retain(|tier| tier_ids.contains(&tier.as_str()));
                }
                authorization.tiers.iter_mut().for_each(|tier| *tier = cut(tier, MAX_STRING_BYTES));
            }
            facts
        }),
    };
    SupportRecord {
        widget_version: cut(&record.widget_version, MAX_STRING_BYTES),
        policy_version: cut(&record.policy_version, MAX_STRING_BYTES),
        tier: cut(&record.tier, MAX_STRING_BYTES),
        lang: cut(&record.lang, MAX_STRING_BYTES),
        tokens: record
            .tokens
            .iter()
            .take(MAX_TOKEN_RECORDS)
            .map(|token| TokenRecord {
                summary: TokenSummary {
                    iss: cut_text(&token.summary.iss),
                    kid: cut_text(&token.summary.kid),
                    alg: cut_text(&token.summary.alg),
                    ..token.summary.clone()
                },
                ..token.clone()
            })
            .collect(),
        evidence,
        tiers: record
            .tiers
            .iter()
            .take(MAX_TIERS)
            .map(|tier| TierRecord {
                id: cut(&tier.id, MAX_STRING_BYTES),
                outcome: tier.outcome,
                reasons: tier
                    .reasons
                    .iter()
                    .take(limits.reasons)
                    .map(|reason| shorten_reason(reason, &limits))
                    .collect(),
                label: tier.label.as_deref().filter(|_| limits.labels).map(|label| cut(label, MAX_TEXT_BYTES)),
                messages: if limits.messages {
                    tier.messages
                        .iter()
                        .take(MAX_MESSAGES)
                        .map(|(key, text)| (*key, cut(text, MAX_TEXT_BYTES)))
                        .collect()
                } else {
                    Vec::new()
                },
            })
            .collect(),
        error: record
            .error
            .as_ref()
            .map(|error| RecordedError { code: error.code, message: cut(&error.message, limits.token_text) }),
        detail,
        ..record.clone()
    }
}

fn shorten_reason(reason: &Reason, limits: &Limits) -> Reason {
    let params = reason
        .params
        .iter()
        .take(MAX_PARAMS)
        .map(|(name, value)| {
            let value = match value {
                Param::Text(text) => Param::Text(cut(text, MAX_STRING_BYTES)),
                // What the reader accepts; no number a decision makes comes near it.
                Param::Number(n) => {
                    let limit = crate::core::json::MAX_SAFE_INTEGER as i64;
                    Param::Number((*n).clamp(-limit, limit))
                }
                Param::List(items) => {
                    Param::List(items.iter().take(limits.list_items).map(|item| cut(item, MAX_STRING_BYTES)).collect())
                }
            };
            (*name, value)
        })
        .collect();
    Reason { code: reason.code, params }
}

/// The first `max` bytes of `text`, at a character boundary.
fn cut(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default().to_owned()
}

/// Writes a record already within the limits of its detail level.
fn write(record: &SupportRecord) -> String {
    let mut w = Writer(Vec::with_capacity(512));
    w.byte(FORMAT_VERSION);
    w.byte(record.detail.index());
    w.string(&record.widget_version);
    w.string(&record.policy_version);
    w.0.extend_from_slice(&record.policy_hash);
    w.varint(record.leeway_seconds);
    w.varint(record.now);
    w.option(record.server_time, Writer::varint);
    w.string(&record.tier);
    w.string(&record.lang);
    w.option(record.subject_hash, |w, hash| w.0.extend_from_slice(&hash));
    w.option(record.error.as_ref(), |w, error| {
        w.byte(error.code.index());
        w.string(&error.message);
    });
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
    w.count(record.tiers.len());
    for tier in &record.tiers {
        w.string(&tier.id);
        w.byte(outcome_index(tier.outcome));
        w.option(tier.label.as_deref(), Writer::string);
        w.count(tier.messages.len());
        for (key, text) in &tier.messages {
            match key {
                MessageKey::Reason(code) => {
                    w.byte(0);
                    w.byte(code.index());
                }
                MessageKey::Remedy(action) => {
                    w.byte(1);
                    w.byte(action.index());
                }
            }
            w.string(text);
        }
        w.count(tier.reasons.len());
        for reason in &tier.reasons {
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
                        w.strings(items);
                    }
                }
            }
        }
    }
    let now = judged_at(record);
    w.slot(&record.evidence.identity, |w, facts| {
        w.byte(facts.us_person.index());
        w.byte(facts.ial);
        // The day and one bit: enough to judge every age limit to the second (facts.rs).
        let age = facts.verified.age(now);
        w.varint(facts.verified.day());
        w.byte(u8::from(age.earlier_in_day));
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
            // A tier of the policy by its position (short), any other name as text.
            w.count(authorization.tiers.len());
            for name in &authorization.tiers {
                match record.tiers.iter().position(|tier| tier.id == *name) {
                    Some(index) => {
                        w.byte(0);
                        w.count(index);
                    }
                    None => {
                        w.byte(1);
                        w.string(name);
                    }
                }
            }
            w.varint(authorization.exp);
        }
    });
    let checksum = Sha256::digest(&w.0);
    w.0.extend_from_slice(checksum.get(..CHECKSUM_BYTES).unwrap_or_default());
    format!("{PREFIX}{}", base64url::encode(&w.0))
}

fn outcome_index(outcome: Outcome) -> u8 {
    Outcome::ALL.iter().position(|o| *o == outcome).and_then(|i| u8::try_from(i).ok()).unwrap_or(u8::MAX)
}

/// A pasted code without what copying it through e-mail or chat added (line breaks, quote
/// marks, zero-width characters): the code as the widget wrote it, for decoding and matching.
pub fn cleaned(code: &str) -> String {
    code.chars().filter(|c| !is_paste_noise(*c)).collect()
}

/// Decodes a pasted support code, [`cleaned`] first; the checksum catches any other damage.
///
/// # Errors
/// A plain message: wrong prefix, damaged (checksum), too long, not a code this version can
/// read, or a code whose parts contradict each other.
pub fn decode(code: &str) -> Result<SupportRecord, SupportCodeError> {
    // As pasted from an e-mail or a chat: wrapped over lines, quoted ("…", > …): none of these
    // characters is ever part of a code, and the checksum still catches any other damage.
    if code.len() > 4 * MAX_CODE_CHARS {
        return Err(SupportCodeError("the support code is too long"));
    }
    let cleaned = cleaned(code);
    let code = cleaned.as_str();
    if code.is_empty() {
        return Err(SupportCodeError("no support code was given"));
    }
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
    match r.byte()? {
        FORMAT_VERSION => {}
        1 => {
            return Err(SupportCodeError(
                "the support code was made by an older version of the widget; ask the user for a new one",
            ))
        }
        _ => return Err(SupportCodeError("the support code was made by a version this one cannot read")),
    }
    let record = read_record(&mut r)?;
    if r.pos != payload.len() {
        return Err(INVALID);
    }
    // Content beyond what its detail level keeps would not re-encode to the same code.
    if shorten(&record, record.detail) != record {
        return Err(INVALID);
    }
    if let Some(problem) = contradiction(&record) {
        return Err(problem);
    }
    Ok(record)
}

const INVALID: SupportCodeError = SupportCodeError("the support code is not valid");

fn read_record(r: &mut Reader<'_>) -> Result<SupportRecord, SupportCodeError> {
    let detail = Detail::ALL.get(usize::from(r.byte()?)).copied().ok_or(INVALID)?;
    let widget_version = r.string()?;
    let policy_version = r.string()?;
    let policy_hash: [u8; 8] = r.take(8)?.try_into().map_err(|_| INVALID)?;
    let leeway_seconds = r.varint()?;
    let now = r.varint()?;
    let server_time = r.option(Reader::varint)?;
    let tier = r.string()?;
    let lang = r.string()?;
    let subject_hash = r.option(|r| r.take(4)?.try_into().map_err(|_| INVALID))?;
    let error =
        r.option(|r| Ok(RecordedError { code: Code::from_index(r.byte()?).ok_or(INVALID)?, message: r.string()? }))?;
    let mut tokens = Vec::new();
    for _ in 0..r.count(MAX_TOKEN_RECORDS)? {
        let summary = TokenSummary {
            kind: r.option(|r| Kind::from_index(r.byte()?).ok_or(INVALID))?,
            iss: r.option(Reader::string)?,
            kid: r.option(Reader::string)?,
            alg: r.option(Reader::string)?,
            iat: r.option(Reader::varint)?,
            exp: r.option(Reader::varint)?,
        };
        let code = r.option(|r| Code::from_index(r.byte()?).ok_or(INVALID))?;
        let flags = r.byte()?;
        if flags > 3 {
            return Err(INVALID);
        }
        tokens.push(TokenRecord { summary, code, used: flags & 1 != 0, clock_suspect: flags & 2 != 0 });
    }
    let mut tiers = Vec::new();
    for _ in 0..r.count(MAX_TIERS)? {
        let id = r.string()?;
        let outcome = Outcome::ALL.get(usize::from(r.byte()?)).copied().ok_or(INVALID)?;
        let label = r.option(Reader::text)?;
        let mut messages = Vec::new();
        for _ in 0..r.count(MAX_MESSAGES)? {
            let key = match r.byte()? {
                0 => MessageKey::Reason(Code::from_index(r.byte()?).ok_or(INVALID)?),
                1 => MessageKey::Remedy(Action::from_index(r.byte()?).ok_or(INVALID)?),
                _ => return Err(INVALID),
            };
            if messages.iter().any(|(known, _)| *known == key) {
                return Err(INVALID);
            }
            messages.push((key, r.text()?));
        }
        let mut reasons = Vec::new();
        for _ in 0..r.count(MAX_REASONS)? {
            let mut reason = Reason::new(Code::from_index(r.byte()?).ok_or(INVALID)?);
            for _ in 0..r.count(MAX_PARAMS)? {
                let name = PARAM_NAMES.get(usize::from(r.byte()?)).copied().ok_or(INVALID)?;
                // A name twice would make the report's `params` object ambiguous.
                if reason.param(name).is_some() {
                    return Err(INVALID);
                }
                let value = match r.byte()? {
                    0 => Param::Text(r.string()?),
                    1 => Param::Number(r.signed()?),
                    2 => Param::List((0..r.count(MAX_LIST_ITEMS)?).map(|_| r.string()).collect::<Result<_, _>>()?),
                    _ => return Err(INVALID),
                };
                reason = reason.with(name, value);
            }
            reasons.push(reason);
        }
        tiers.push(TierRecord { id, outcome, reasons, label, messages });
    }
    let ids: Vec<&str> = tiers.iter().map(|tier| tier.id.as_str()).collect();
    if crate::core::unique::first_duplicate(&ids).is_some() {
        return Err(INVALID);
    }
    let identity = r.slot(|r| {
        Ok(IdentityFacts {
            us_person: UsPerson::from_index(r.byte()?).ok_or(INVALID)?,
            ial: match r.byte()? {
                ial @ 1..=3 => ial,
                _ => return Err(INVALID),
            },
            verified: ProofingTime::Day { day: r.varint()?, earlier_in_day: r.bool()? },
            citizenships: r.option(|r| (0..r.count(MAX_CLAIM_ITEMS)?).map(|_| r.country()).collect())?,
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
        for _ in 0..r.count(MAX_CLAIM_ITEMS)? {
            let kind = r.string()?;
            let mut names = Vec::new();
            for _ in 0..r.count(MAX_CLAIM_ITEMS)? {
                let name = match r.byte()? {
                    0 => tiers.get(r.count(MAX_TIERS)?).map(|tier: &TierRecord| tier.id.clone()).ok_or(INVALID)?,
                    1 => {
                        let name = r.string()?;
                        // Names of the policy's tiers are always written by position.
                        if tiers.iter().any(|tier| tier.id == name) {
                            return Err(INVALID);
                        }
                        name
                    }
                    _ => return Err(INVALID),
                };
                names.push(name);
            }
            authorizations.push(AuthorizationFacts { kind, tiers: names, exp: r.varint()? });
        }
        Ok(OrganizationFacts { entity, restricted_party, authorizations })
    })?;
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
        error,
        detail,
    })
}

/// A support code whose parts cannot all be true: what the first contradiction is.
///
/// These hold for every record [`crate::core::check::check`] makes, whatever the policy: a
/// forged code has to be coherent to get past them, and then replay compares its decision with
/// the one its facts give.
pub fn contradiction(record: &SupportRecord) -> Option<SupportCodeError> {
    let contradicts = |why: &'static str| Some(SupportCodeError(why));
    if let Some(error) = &record.error {
        let all_invalid = [
            record.evidence.identity.as_ref().err(),
            record.evidence.location.as_ref().err(),
            record.evidence.organization.as_ref().err(),
        ]
        .iter()
        .all(|code| *code == Some(&error.code));
        let coherent = crate::core::check::SITE_PROBLEMS.contains(&error.code)
            && all_invalid
            && record.tiers.is_empty()
            && record.tokens.is_empty()
            && record.subject_hash.is_none();
        return if coherent {
            None
        } else {
            contradicts("the support code contradicts itself: a site problem with a decision")
        };
    }
    for kind in Kind::ALL {
        let used: Vec<&TokenRecord> =
            record.tokens.iter().filter(|token| token.used && token.summary.kind == Some(*kind)).collect();
        match (evidence_code(record, *kind), used.as_slice()) {
            (None, [token]) if token.code.is_none() => {}
            (None, _) => {
                return contradicts(
                    "the support code contradicts itself: it has facts without the accepted token they come from",
                )
            }
            (Some(_), []) => {}
            (Some(_), _) => {
                return contradicts(
                    "the support code contradicts itself: a token is marked used but its facts are missing",
                )
            }
        }
        if let Some(code) = evidence_code(record, *kind) {
            if !is_absence_code(code) {
                return contradicts(
                    "the support code contradicts itself: facts are absent for a reason that is not a token problem",
                );
            }
            let from_token =
                record.tokens.iter().any(|token| token.summary.kind == Some(*kind) && token.code == Some(code));
            let without_token = matches!(code, Code::TooManyTokens | Code::KeysUnavailable)
                || code == crate::core::policy::evaluate::missing_code(*kind);
            if !from_token && !without_token {
                return contradicts(
                    "the support code contradicts itself: facts are absent because of a token it does not list",
                );
            }
        }
    }
    if record.tiers.is_empty() {
        return contradicts("the support code contradicts itself: a decision without any tier");
    }
    if record.tokens.iter().any(|token| token.used && token.code.is_some()) {
        return contradicts("the support code contradicts itself: a rejected token is marked used");
    }
    if record.subject_hash.is_some() != record.tokens.iter().any(|token| token.used) {
        return contradicts("the support code contradicts itself: a subject without an accepted token");
    }
    let clock = clock_reasons(record);
    for tier in &record.tiers {
        if let Some(problem) = tier_contradiction(record, tier, &clock) {
            return Some(problem);
        }
    }
    None
}

/// The code explaining why a kind's facts are absent, `None` when they are present.
fn evidence_code(record: &SupportRecord, kind: Kind) -> Option<Code> {
    match kind {
        Kind::Identity => record.evidence.identity.as_ref().err().copied(),
        Kind::Location => record.evidence.location.as_ref().err().copied(),
        Kind::Organization => record.evidence.organization.as_ref().err().copied(),
    }
}

/// Codes that can explain absent facts: token problems, "missing", keys.
fn is_absence_code(code: Code) -> bool {
    code.index() <= Code::OrganizationMissing.index() || code == Code::KeysUnavailable
}

fn is_informational(code: Code) -> bool {
    matches!(
        code,
        Code::IdentityEligible | Code::LocationEligible | Code::OrganizationEligible | Code::AuthorizationValid
    )
}

fn is_clock(code: Code) -> bool {
    matches!(code, Code::ClockSkew | Code::ClockSkewSuspected)
}

/// Codes a false test gives.
fn is_failing(code: Code) -> bool {
    matches!(
        code,
        Code::NotUsPerson
            | Code::CitizenshipRequired
            | Code::CitizenshipExcluded
            | Code::LocationRestricted
            | Code::RegionRestricted
            | Code::OrganizationEntityNotAllowed
            | Code::AuthorizationMissing
            | Code::RestrictedParty
            | Code::ExcludedFact
    )
}

/// Codes an unknown test gives.
fn is_undecided(code: Code) -> bool {
    is_absence_code(code)
        || matches!(
            code,
            Code::IdentityAssuranceTooLow
                | Code::IdentityVerificationStale
                | Code::AnonymizerDetected
                | Code::CitizenshipRequired
                | Code::CitizenshipExcluded
                | Code::RegionUnknown
        )
}

fn tier_contradiction(record: &SupportRecord, tier: &TierRecord, clock: &[Reason]) -> Option<SupportCodeError> {
    let contradicts = |why: &'static str| Some(SupportCodeError(why));
    let codes = || tier.reasons.iter().map(|reason| reason.code);
    let tier_clock: Vec<&Reason> = tier.reasons.iter().filter(|reason| is_clock(reason.code)).collect();
    // Reasons may be cut short (`Detail`), so only what is present is compared.
    let complete = record.detail <= Detail::NoMessages;
    let clock_agrees = if complete {
        tier_clock.iter().copied().eq(clock.iter())
    } else {
        tier_clock.iter().all(|r| clock.contains(r))
    };
    if !clock_agrees {
        return contradicts("the support code contradicts itself: its clock reasons do not match its clock");
    }
    let has_reasons = record.detail < Detail::OutcomesOnly;
    let fits = match tier.outcome {
        Outcome::Granted => {
            codes().all(|code| is_informational(code) || is_clock(code)) && (!complete || codes().any(is_informational))
        }
        Outcome::Blocked => {
            codes().all(|code| is_failing(code) || is_clock(code)) && (!complete || codes().any(is_failing))
        }
        Outcome::ActionRequired => {
            codes().all(|code| !is_informational(code) && code != Code::KeysUnavailable)
                && (!complete || codes().any(is_undecided))
        }
        Outcome::Error => {
            codes().all(|code| !is_informational(code))
                && (!complete || codes().any(|code| code == Code::KeysUnavailable))
        }
    };
    if has_reasons && !fits {
        return contradicts("the support code contradicts itself: a tier's outcome does not fit its reasons");
    }
    if tier.outcome == Outcome::Granted && record.tokens.iter().all(|token| !token.used) {
        return contradicts("the support code contradicts itself: a grant without any accepted token");
    }
    for reason in &tier.reasons {
        if !reason_fits_facts(record, tier, reason) {
            return contradicts("the support code contradicts itself: a reason does not match the recorded facts");
        }
    }
    None
}

/// Whether a reason's params agree with the recorded facts it speaks of.
fn reason_fits_facts(record: &SupportRecord, tier: &TierRecord, reason: &Reason) -> bool {
    let text = |name: &str| match reason.param(name) {
        Some(Param::Text(text)) => Some(text.as_str()),
        _ => None,
    };
    let number = |name: &str| match reason.param(name) {
        Some(Param::Number(n)) => Some(*n),
        _ => None,
    };
    let identity = record.evidence.identity.as_ref().ok();
    let location = record.evidence.location.as_ref().ok();
    let organization = record.evidence.organization.as_ref().ok();
    let us_person_is = |facts: &IdentityFacts| text("us_person").is_none_or(|v| v == facts.us_person.as_str());
    let ial_is = |facts: &IdentityFacts| number("ial").is_none_or(|v| v == i64::from(facts.ial));
    let country_is = |facts: &LocationFacts| text("country").is_none_or(|v| v == facts.country.as_str());
    let entity_is = |facts: &OrganizationFacts| text("entity").is_none_or(|v| v == facts.entity.as_str());
    match reason.code {
        // An absent attestation: the kind it names has no facts, for exactly this reason.
        code if is_absence_code(code) => match text("kind").and_then(Kind::parse) {
            Some(kind) => evidence_code(record, kind) == Some(code),
            None => false,
        },
        Code::IdentityEligible | Code::NotUsPerson | Code::IdentityAssuranceTooLow => {
            identity.is_some_and(|facts| us_person_is(facts) && ial_is(facts))
        }
        Code::IdentityVerificationStale | Code::CitizenshipRequired | Code::CitizenshipExcluded => identity.is_some(),
        Code::LocationEligible | Code::LocationRestricted => location.is_some_and(country_is),
        Code::RegionRestricted => location.is_some_and(|facts| {
            facts.region.as_ref().is_some_and(|region| text("region").is_none_or(|v| v == region.as_str()))
        }),
        Code::RegionUnknown => location.is_some_and(|facts| facts.region.is_none() && country_is(facts)),
        Code::AnonymizerDetected => {
            location.is_some_and(|facts| text("anonymizer").is_none_or(|v| v == facts.anonymizer.as_str()))
        }
        Code::OrganizationEligible | Code::OrganizationEntityNotAllowed => organization.is_some_and(entity_is),
        Code::RestrictedParty => organization.is_some_and(|facts| facts.restricted_party),
        Code::AuthorizationMissing => organization.is_some(),
        Code::AuthorizationValid => organization.is_some_and(|facts| {
            facts.authorizations.iter().any(|auth| {
                text("authorization").is_none_or(|kind| kind == auth.kind)
                    && auth.tiers.contains(&tier.id)
                    && auth.exp.saturating_add(record.leeway_seconds) > judged_at(record)
            })
        }),
        Code::ExcludedFact => match text("fact") {
            Some("us_person" | "ial" | "recent_verification" | "citizen_of" | "not_citizen_of") => {
                identity.is_some_and(|facts| us_person_is(facts) && ial_is(facts))
            }
            Some("anonymizer" | "country" | "region") => location.is_some_and(country_is),
            Some("entity" | "authorization") => organization.is_some_and(entity_is),
            Some("not_restricted_party") => organization.is_some_and(|facts| !facts.restricted_party),
            _ => false,
        },
        Code::ClockSkew | Code::ClockSkewSuspected => true,
        // Configuration codes are never a tier's reason.
        _ => false,
    }
}

/// `CLOCK_SKEW` when the device clock is off the server time by more than the leeway;
/// `CLOCK_SKEW_SUSPECTED` when, without server time, a token looked issued in the future or a
/// short-lived one looked hours past its end.
pub fn clock_reasons(record: &SupportRecord) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if let Some(skew) = skew_seconds(record) {
        if skew.unsigned_abs() > record.leeway_seconds {
            let minutes = skew.unsigned_abs().div_ceil(60);
            reasons.push(Reason::new(Code::ClockSkew).signed("skew_seconds", skew).number("skew_minutes", minutes));
        }
    }
    if record.tokens.iter().any(|token| token.clock_suspect) {
        reasons.push(Reason::new(Code::ClockSkewSuspected));
    }
    reasons
}

/// `now - server_time`, when the server time is known.
pub fn skew_seconds(record: &SupportRecord) -> Option<i64> {
    let server_time = i64::try_from(record.server_time?).ok()?;
    Some(i64::try_from(record.now).ok()? - server_time)
}

/// The UTC day a proofing time falls on, for display.
pub fn proofing_day(facts: &IdentityFacts) -> u64 {
    facts.verified.day() * SECONDS_PER_DAY
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

    /// The caller has already cut the string to its limit ([`shorten`]).
    fn string(&mut self, text: &str) {
        self.count(text.len());
        self.0.extend_from_slice(text.as_bytes());
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
        self.varint_up_to(crate::core::json::MAX_SAFE_INTEGER)
    }

    /// A zigzag-encoded number of magnitude at most 2^53 - 1 (a clock skew can be that large).
    fn signed(&mut self) -> Result<i64, SupportCodeError> {
        let zigzag = self.varint_up_to(crate::core::json::MAX_SAFE_INTEGER * 2 + 1)?;
        Ok(((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64))
    }

    fn varint_up_to(&mut self, max: u64) -> Result<u64, SupportCodeError> {
        let mut value = 0u64;
        for shift in (0..56).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(INVALID);
                }
                return if value <= max { Ok(value) } else { Err(INVALID) };
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

    fn bounded_string(&mut self, max: usize) -> Result<String, SupportCodeError> {
        let len = self.count(max)?;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| INVALID)
    }

    fn string(&mut self) -> Result<String, SupportCodeError> {
        self.bounded_string(MAX_STRING_BYTES)
    }

    /// A policy text (label, message override).
    fn text(&mut self) -> Result<String, SupportCodeError> {
        self.bounded_string(MAX_TEXT_BYTES)
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
