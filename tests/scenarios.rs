//! Every `www/scenarios/*.json` decides exactly as the file says.

use access_check::core::check::{check, replay};
use access_check::core::policy::evaluate::Outcome;
use access_check::scenario::Scenario;

pub fn load_all() -> Vec<(String, Scenario)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/www/scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let scenario = Scenario::parse(&text).unwrap_or_else(|error| panic!("{name}: {error}"));
            (name, scenario)
        })
        .collect()
}

#[test]
fn there_are_enough_scenarios_and_each_expects_every_tier() {
    let all = load_all();
    assert!(all.len() >= 23, "{} scenarios", all.len());
    for (name, scenario) in &all {
        let tiers: Vec<&str> = scenario.policy.tiers.iter().map(|t| t.id.as_str()).collect();
        let expected: Vec<&str> = scenario.expected.iter().map(|e| e.tier.as_str()).collect();
        assert_eq!(tiers, expected, "{name} must state an expectation for every tier");
    }
}

#[test]
fn every_scenario_decides_as_expected() {
    for (name, scenario) in load_all() {
        let report = check(&scenario.policy, &scenario.request);
        for expected in &scenario.expected {
            let tier = report.tier(&expected.tier).unwrap_or_else(|| panic!("{name}: no tier {}", expected.tier));
            assert_eq!(tier.outcome, expected.outcome, "{name} / {}: {:?}", expected.tier, tier.reasons);
            let mut got: Vec<_> = tier.reasons.iter().map(|r| r.code).collect();
            got.sort();
            got.dedup();
            let mut want = expected.reasons.clone();
            want.sort();
            want.dedup();
            assert_eq!(got, want, "{name} / {}", expected.tier);
            assert!(
                !tier.explanation.headline.is_empty()
                    && tier.explanation.items.len() + tier.explanation.notices.len() <= tier.reasons.len()
                    && (tier.reasons.is_empty() || !tier.explanation.items.is_empty()),
                "{name}: every reason read is one the report gives, and something is read"
            );
            if tier.outcome != Outcome::Granted {
                assert!(
                    !tier.remedies.is_empty(),
                    "{name} / {}: a user who is not granted is told what to do",
                    expected.tier
                );
            }
        }
    }
}

#[test]
fn every_scenarios_support_code_replays_to_the_same_decision() {
    for (name, scenario) in load_all() {
        let report = check(&scenario.policy, &scenario.request);
        let replayed =
            replay(&report.support_code, Some(&scenario.policy), None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(replayed.tiers, report.tiers, "{name}");
        assert_eq!(replayed.explanation, report.explanation, "{name}");
        assert_eq!(replayed.support_code, report.support_code, "{name}");
        assert_eq!(replayed.valid_until, report.valid_until, "{name}");
        let info = replayed.replay.unwrap();
        assert!(!info.policy_changed, "{name}");
    }
}

/// The frontier tier's explanation of scenario `prefix` (e.g. "22"), in English.
fn frontier_words(prefix: &str) -> (Vec<String>, Vec<String>) {
    let (name, scenario) =
        load_all().into_iter().find(|(name, _)| name.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix}"));
    let report = check(&scenario.policy, &scenario.request);
    let tier = report.tier("frontier").unwrap_or_else(|| panic!("{name}: no frontier tier"));
    (tier.explanation.items.clone(), tier.explanation.remedies.clone())
}

#[test]
fn a_wrong_clock_leads_and_only_fixing_it_is_offered_for_what_it_explains() {
    // Clock ahead: the location check looks expired; checking it again cannot help.
    let (items, remedies) = frontier_words("22");
    assert_eq!(items.first().map(String::as_str), Some("Your device's clock seems to be set wrong."));
    assert_eq!(remedies, ["Turn on your device's automatic date and time, then check again."]);
    // Clock behind: the identity verification reads again once the clock is right, so nobody is
    // sent to their organization "if you are not a US person".
    let (items, remedies) = frontier_words("23");
    assert_eq!(items.first().map(String::as_str), Some("Your device's clock seems to be set wrong."));
    assert_eq!(remedies, ["Turn on your device's automatic date and time, then check again."]);
}

#[test]
fn an_expired_identity_is_verified_again_with_the_organization_as_the_alternative() {
    let (_, remedies) = frontier_words("14");
    assert_eq!(remedies.first().map(String::as_str), Some("Verify your identity again to use Frontier models."));
    assert!(remedies.iter().any(|remedy| remedy.starts_with("If you are not a US person, ask")), "{remedies:?}");
    // A first visit verifies "that you are a US person", with the same alternative.
    let (_, remedies) = frontier_words("13");
    assert_eq!(remedies.first().map(String::as_str), Some("Verify that you are a US person to use Frontier models."));
}
