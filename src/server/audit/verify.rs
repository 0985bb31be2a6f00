//! Reading a store back: `audit verify`, `audit export`, `audit query` and `impact`.

use super::Store;
use crate::core::audit::{ChainVerifier, Checkpoint, Problem, Record};
use crate::core::check;
use crate::core::policy::Policy;
use std::collections::BTreeMap;

/// What `audit verify` found.
#[derive(Debug)]
pub enum Verdict {
    /// Every chain intact: (chain, records) each, and how many checkpoints were checked.
    Intact { chains: Vec<(String, u64)>, checkpoints: usize },
    /// The first problem.
    Broken(Problem),
}

/// Verifies every chain in `store` and every chain a checkpoint names.
///
/// # Errors
/// The store could not be read.
pub fn verify(store: &mut dyn Store, checkpoints: &[Checkpoint]) -> Result<Verdict, String> {
    let mut chains = store.chains()?;
    for checkpoint in checkpoints {
        if !chains.contains(&checkpoint.chain) {
            chains.push(checkpoint.chain.clone());
        }
    }
    chains.sort();
    let mut intact = Vec::new();
    for chain in chains {
        let mut verifier = ChainVerifier::new(&chain, checkpoints);
        let mut problem = None;
        store.scan(&chain, &mut |entry, columns| {
            if problem.is_none() {
                if let Err(found) = verifier.push(&entry, Some(&columns)) {
                    problem = Some(found);
                }
            }
            Ok(())
        })?;
        if let Some(problem) = problem {
            return Ok(Verdict::Broken(problem));
        }
        match verifier.finish() {
            Ok(records) => intact.push((chain, records)),
            Err(problem) => return Ok(Verdict::Broken(problem)),
        }
    }
    Ok(Verdict::Intact { chains: intact, checkpoints: checkpoints.len() })
}

/// How the recorded decisions of one tier would change under a new policy.
#[derive(Debug, Default)]
pub struct TierImpact {
    pub decisions: u64,
    pub unchanged: u64,
    /// (recorded outcome, new outcome) → count and up to 3 example support codes.
    pub changes: BTreeMap<(String, String), (u64, Vec<String>)>,
    /// Records whose support code could not be replayed (with an example).
    pub unreadable: u64,
}

/// Re-decides every record since `since` (seconds) under `policy`, by tier.
///
/// # Errors
/// The store could not be read.
pub fn impact(
    store: &mut dyn Store,
    policy: &Policy,
    since: Option<u64>,
) -> Result<BTreeMap<String, TierImpact>, String> {
    let filter = super::Filter { since, ..super::Filter::default() };
    let mut tiers: BTreeMap<String, TierImpact> = BTreeMap::new();
    store.query(&filter, &mut |entry| {
        let record = Record::from_canonical(&entry.canonical)
            .map_err(|error| format!("chain {} record {}: {error}", entry.chain, entry.seq))?;
        let impact = tiers.entry(record.tier.clone()).or_default();
        impact.decisions += 1;
        let new_outcome = check::replay(&record.support_code, Some(policy), None).ok().map(|report| {
            let tier = report.tiers.iter().find(|tier| tier.id == record.tier);
            tier.map_or_else(|| "no such tier".to_owned(), |tier| tier.outcome.as_str().to_owned())
        });
        match new_outcome {
            None => impact.unreadable += 1,
            Some(outcome) if outcome == record.outcome => impact.unchanged += 1,
            Some(outcome) => {
                let (count, examples) = impact.changes.entry((record.outcome.clone(), outcome)).or_default();
                *count += 1;
                if examples.len() < 3 {
                    examples.push(record.support_code.clone());
                }
            }
        }
        Ok(())
    })?;
    Ok(tiers)
}
