//! What a support code holds, in words a person reads ("Identity: a US citizen, verified on
//! 1 Nov 2026"), never raw values (`restricted_party=false`, `us_entity`, `TOKEN_EXPIRED`):
//! for the user before they hand the code over, and for the support agent reading it.

use super::{explain, words_for, Catalogue, TierFacts};
use crate::core::policy::evaluate::{Outcome, Reason};
use crate::core::support::{self, SupportRecord};
use crate::core::time;

/// `{name}` → value, for the catalogue's `ui` texts with placeholders.
fn filled(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_owned(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
}

/// A date in the catalogue's words: "1 Nov 2026".
pub fn date(catalogue: &Catalogue, seconds: u64) -> String {
    let (year, month, day) = time::date_parts(seconds);
    let month = catalogue.value("month", &month.to_string());
    let template = catalogue.text_value("date").unwrap_or_else(|| "{day} {month} {year}".to_owned());
    filled(&template, &[("day", &day.to_string()), ("month", &month), ("year", &year.to_string())])
}

/// The host of an issuer URL, which is what a person recognises ("idv.example.com").
fn issuer_host(iss: &str) -> &str {
    let rest = iss.split_once("://").map_or(iss, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// The short reference a user can read out on the phone: the account fingerprint (the first
/// four bytes of SHA-256 of the account id, which the audit trail records with every decision
/// and can be searched by), as "7F3A-91C2".
pub fn reference(subject_hash: &[u8; 4]) -> String {
    let hex = support::hex(subject_hash).to_ascii_uppercase();
    let (first, second) = hex.split_at(hex.len().min(4));
    format!("{first}-{second}")
}

/// The record's facts, one line each, in `lang`.
pub fn facts(record: &SupportRecord, lang: &str) -> Vec<String> {
    let catalogue = Catalogue::negotiate(lang);
    let ui = |key: &str| catalogue.ui(key);
    let mut lines = vec![
        filled(&ui("fact_versions"), &[("widget", &record.widget_version), ("policy", &record.policy_version)]),
        filled(&ui("fact_time"), &[("date", &date(catalogue, record.now)), ("time", &time::clock_time(record.now))]),
    ];
    if let Some(hash) = &record.subject_hash {
        lines.push(filled(&ui("fact_account"), &[("fingerprint", &reference(hash))]));
    }
    for token in &record.tokens {
        let kind = token.summary.kind.map_or_else(String::new, |kind| catalogue.value("kind", kind.as_str()));
        let issuer = issuer_host(token.summary.iss.as_deref().unwrap_or("?")).to_owned();
        let line = match token.code {
            None => filled(&ui("fact_check_accepted"), &[("kind", &kind), ("issuer", &issuer)]),
            Some(code) => {
                let mut reason = Reason::new(code);
                if let Some(kind) = token.summary.kind {
                    reason = reason.text("kind", kind.as_str());
                }
                let reasons = [reason];
                let sentence = explain(&TierFacts::plain("", "", Outcome::ActionRequired, &reasons, &[]), lang, None)
                    .items
                    .join(" ");
                filled(&ui("fact_check_rejected"), &[("kind", &kind), ("issuer", &issuer), ("reason", &sentence)])
            }
        };
        lines.push(line);
    }
    if let Ok(identity) = &record.evidence.identity {
        let us_person = catalogue.value("us_person", identity.us_person.as_str());
        let verified = date(catalogue, support::proofing_day(identity));
        lines.push(filled(&ui("fact_identity"), &[("us_person", &us_person), ("date", &verified)]));
    }
    if let Ok(location) = &record.evidence.location {
        let place = match &location.region {
            Some(region) => words_for(catalogue, "region", region.as_str()),
            None => words_for(catalogue, "country", location.country.as_str()),
        };
        let connection = catalogue.value("connection", location.anonymizer.as_str());
        lines.push(filled(&ui("fact_location"), &[("place", &place), ("connection", &connection)]));
    }
    if let Ok(organization) = &record.evidence.organization {
        let entity = catalogue.value("entity", organization.entity.as_str());
        let listed = catalogue.value("listed", if organization.restricted_party { "true" } else { "false" });
        lines.push(filled(&ui("fact_organization"), &[("entity", &entity), ("listed", &listed)]));
        if organization.authorizations.is_empty() {
            lines.push(ui("fact_no_authorizations"));
        } else {
            let held: Vec<String> = organization
                .authorizations
                .iter()
                .map(|authorization| {
                    // Tiers by the labels the user read; a kind the catalogue does not know is
                    // the issuer's own term.
                    let tiers: Vec<&str> = authorization.tiers.iter().map(|id| tier_label(record, id)).collect();
                    let tiers = catalogue.list(&tiers);
                    let kind = catalogue
                        .known_value("authorization", &authorization.kind)
                        .unwrap_or_else(|| authorization.kind.replace('_', " "));
                    format!("{kind} ({tiers})")
                })
                .collect();
            let held: Vec<&str> = held.iter().map(String::as_str).collect();
            lines.push(filled(&ui("fact_authorizations"), &[("authorizations", &catalogue.list(&held))]));
        }
    }
    lines
}

/// The label the user read for tier `id`, else the id.
fn tier_label<'a>(record: &'a SupportRecord, id: &'a str) -> &'a str {
    record.tiers.iter().find(|tier| tier.id == id).and_then(|tier| tier.label.as_deref()).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_references_read_as_words() {
        let english = Catalogue::english().expect("English ships");
        assert_eq!(date(english, 1_793_491_200), "1 Nov 2026");
        assert_eq!(reference(&[0x7f, 0x3a, 0x91, 0xc2]), "7F3A-91C2");
        assert_eq!(issuer_host("https://idv.example.com/path"), "idv.example.com");
    }
}
