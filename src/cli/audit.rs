//! `access-check audit verify | query | export` and `access-check impact` (SPEC §11). Native only.

use super::args::Args;
use access_check::core::policy::Policy;
use access_check::server::audit::checkpoints::{self, ReadError};
use access_check::server::audit::verify::{self, Verdict};
use access_check::server::audit::{self as store, Filter, StoreConfig};
use access_check::server::AuditOptions;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `--audit STORE`, required (reading the wrong store by default would mislead).
fn store_of(args: &mut Args) -> Result<Box<dyn store::Store>, String> {
    let text = args.value("audit")?.ok_or("--audit STORE is required (sqlite:PATH or postgres://…)")?;
    let config = StoreConfig::parse(&text)?;
    if let StoreConfig::Sqlite(path) = &config {
        // Reading must not create an empty store where the user mistyped a path.
        if !path.exists() {
            return Err(format!("{}: no such audit store", path.display()));
        }
    }
    store::open(&config)
}

/// Prints entries as JSON lines, flushing as it goes (an export can be long).
fn print_lines(
    run: impl FnOnce(&mut dyn FnMut(access_check::core::audit::StoredEntry) -> Result<(), String>) -> Result<(), String>,
) -> Result<ExitCode, String> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    run(&mut |entry| {
        let json = entry.to_json()?;
        writeln!(out, "{}", json.to_compact()).map_err(|error| -> String { crate::output_failed(&error) })
    })?;
    if let Err(error) = out.flush() {
        crate::output_failed(&error);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn audit(mut items: Vec<String>) -> Result<ExitCode, String> {
    if items.is_empty() {
        return Err("audit needs a command: verify, query, export or prune".to_owned());
    }
    let command = items.remove(0);
    let mut args = Args::new(items);
    match command.as_str() {
        "verify" => verify_command(args),
        "prune" => prune_command(args),
        "export" => {
            let mut store = store_of(&mut args)?;
            args.finish()?;
            print_lines(|visit| {
                for chain in store.chains()? {
                    store.scan(&chain, &mut |entry, _| visit(entry))?;
                }
                Ok(())
            })
        }
        "query" => {
            let mut store = store_of(&mut args)?;
            let subject = args.value("subject")?;
            // The reference a user reads out on the phone ("7F3A-91C2") is the account
            // fingerprint the records carry as `subject`.
            let reference = args.value("reference")?.map(|reference| reference_to_subject(&reference)).transpose()?;
            if subject.is_some() && reference.is_some() {
                return Err("--subject and --reference name the same thing: give one".into());
            }
            let filter = Filter {
                subject: subject.or(reference),
                support_code: args.value("support-code")?,
                since: args.seconds("since")?,
                until: args.seconds("until")?,
                outcome: args.value("outcome")?,
                tier: args.value("tier")?,
            };
            if let Some(outcome) = &filter.outcome {
                if !["granted", "blocked", "action_required", "error"].contains(&outcome.as_str()) {
                    return Err(format!("--outcome {outcome:?}: expected granted, blocked, action_required or error"));
                }
            }
            args.finish()?;
            print_lines(|visit| store.query(&filter, visit))
        }
        other => Err(format!("unknown audit command {other:?}: use verify, query, export or prune")),
    }
}

/// Exit 0 intact, 1 and the first problem, 2 unusable input.
fn verify_command(mut args: Args) -> Result<ExitCode, String> {
    let defaults = AuditOptions::default();
    let mut store = store_of(&mut args)?;
    let given_checkpoints = args.value("checkpoints")?.map(PathBuf::from);
    let key = args.value("audit-key")?.map_or(defaults.key, PathBuf::from);
    args.finish()?;
    let checkpoint_file = given_checkpoints.clone().unwrap_or(defaults.checkpoints);
    let checkpoints = if checkpoint_file.exists() {
        let public = checkpoints::load_public(&key)?;
        match checkpoints::read(&checkpoint_file, &public) {
            Ok(read) => read,
            Err(ReadError::Unusable(message)) => return Err(message),
            Err(ReadError::Forged(message)) => {
                outln!("TAMPERED: {message}");
                return Ok(ExitCode::from(1));
            }
        }
    } else if given_checkpoints.is_some() {
        return Err(format!("{}: no such checkpoint file", checkpoint_file.display()));
    } else {
        eprintln!(
            "warning: no checkpoint file ({}); the chains are checked, but a cut-off tail cannot be seen without checkpoints",
            checkpoint_file.display()
        );
        Vec::new()
    };
    match verify::verify(store.as_mut(), &checkpoints)? {
        Verdict::Intact { chains, checkpoints } => {
            let records: u64 = chains.iter().map(|(_, n)| n).sum();
            outln!(
                "intact: {records} records in {} chain{}, {checkpoints} signed checkpoint{} covered",
                chains.len(),
                if chains.len() == 1 { "" } else { "s" },
                if checkpoints == 1 { "" } else { "s" }
            );
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Broken(problem) => {
            outln!("TAMPERED: {problem}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `audit prune --before SECS`: per chain, signs a checkpoint of the last record older than
/// SECS (the head is always kept), then removes the records up to it. `audit verify` starts the
/// kept records from that checkpoint.
fn prune_command(mut args: Args) -> Result<ExitCode, String> {
    let defaults = AuditOptions::default();
    let mut store = store_of(&mut args)?;
    let before = args.seconds("before")?.ok_or("--before SECS is required: records older than this are removed")?;
    let key = args.value("audit-key")?.map_or(defaults.key, PathBuf::from);
    let file = args.value("audit-checkpoints")?.map_or(defaults.checkpoints, PathBuf::from);
    args.finish()?;
    if !key.exists() {
        return Err(format!("{}: the checkpoint signing key is needed to prune", key.display()));
    }
    let writer = checkpoints::CheckpointWriter::open(&key, &file)?;
    for chain in store.chains()? {
        let Some((seq, head)) = store.prune_point(&chain, before.saturating_mul(1000))? else {
            outln!("chain {chain}: nothing older to remove");
            continue;
        };
        let time_ms = access_check::server::now_ms();
        writer.write(&access_check::core::audit::Checkpoint { chain: chain.clone(), size: seq, head, time_ms })?;
        let removed = store.prune(&chain, seq)?;
        outln!("chain {chain}: removed {removed} records through {seq}; a signed checkpoint of record {seq} starts the rest");
    }
    Ok(ExitCode::SUCCESS)
}

/// `impact --policy NEW --audit STORE [--since SECS]`.
pub fn impact(items: Vec<String>) -> Result<ExitCode, String> {
    let mut args = Args::new(items);
    let policy_path = args.value("policy")?.ok_or("--policy NEW is required")?;
    let mut store = store_of(&mut args)?;
    let since = args.seconds("since")?;
    args.finish()?;
    let text = super::read(&policy_path, super::limits::POLICY)?;
    let policy = Policy::parse(&text).map_err(|error| format!("{policy_path}: {error}"))?;
    let tiers = verify::impact(store.as_mut(), &policy, since)?;
    outln!("Re-deciding the recorded decisions under {policy_path} (version {}):", policy.version);
    if tiers.is_empty() {
        outln!("  no recorded decisions{}", if since.is_some() { " in that time" } else { "" });
    }
    for (tier, impact) in &tiers {
        let changed: u64 = impact.changes.values().map(|(count, _)| count).sum();
        outln!(
            "tier {tier}: {} decisions, {} unchanged, {changed} would change{}",
            impact.decisions,
            impact.unchanged,
            if impact.unreadable > 0 {
                format!(", {} could not be replayed", impact.unreadable)
            } else {
                String::new()
            }
        );
        for ((from, to), (count, examples)) in &impact.changes {
            outln!("  {from} → {to}: {count}  e.g. {}", examples.join(" "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// "7F3A-91C2" (as the widget shows it, any case, with or without the dash or spaces) → the
/// records' `subject` ("7f3a91c2").
fn reference_to_subject(reference: &str) -> Result<String, String> {
    let hex: String = reference.chars().filter(|c| !matches!(c, '-' | ' ')).collect::<String>().to_ascii_lowercase();
    if hex.len() == 8 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err(format!("--reference {reference:?}: expected eight hexadecimal digits, as the widget shows it (7F3A-91C2)"))
    }
}
