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
