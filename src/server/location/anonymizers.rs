//! The operator's anonymizer address lists: one file of CIDR ranges per kind (`vpn`, `tor`,
//! `relay`, `hosting`), kept current by the operator (e.g. the Tor exit list, iCloud Private
//! Relay's egress ranges, cloud providers' published ranges, a VPN feed). An address on no
//! list is `none`.
//!
//! Each list is sorted and merged once, when loaded: a lookup is a binary search, and loading
//! grows as n log n with the list.

use super::client_address::parse_network;
use crate::core::facts::Anonymizer;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Largest list file read (a full Tor, VPN or cloud list is a few MiB).
pub const MAX_LIST_BYTES: usize = 64 * 1024 * 1024;

/// When an address is on several lists, the kind that hides the most wins: a Tor exit that is
/// also a hosting address is `tor`.
const PRECEDENCE: [Anonymizer; 4] = [Anonymizer::Tor, Anonymizer::Vpn, Anonymizer::Relay, Anonymizer::Hosting];

/// Every list, by kind.
#[derive(Debug, Default)]
pub struct AnonymizerLists {
    lists: Vec<(Anonymizer, Ranges)>,
}

/// Closed ranges of addresses in one number space (IPv4 as IPv4-mapped IPv6), sorted and not
/// overlapping.
#[derive(Debug, Default)]
struct Ranges(Vec<(u128, u128)>);

fn number(address: IpAddr) -> u128 {
    match address.to_canonical() {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl Ranges {
    fn from_unsorted(mut ranges: Vec<(u128, u128)>) -> Ranges {
        ranges.sort_unstable();
        let mut merged: Vec<(u128, u128)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1.saturating_add(1) => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        Ranges(merged)
    }

    fn contains(&self, address: u128) -> bool {
        // The first range that starts after the address; the one before it is the only candidate.
        let after = self.0.partition_point(|(start, _)| *start <= address);
        after.checked_sub(1).and_then(|index| self.0.get(index)).is_some_and(|(_, end)| address <= *end)
    }
}

impl AnonymizerLists {
    /// Reads `kind=FILE` lists. Lines hold a CIDR range or one address; `#` starts a comment.
    ///
    /// # Errors
    /// An unreadable file, or a line that is not a range, named `FILE:LINE`.
    pub fn load(files: &[(Anonymizer, PathBuf)]) -> Result<AnonymizerLists, String> {
        let mut lists = Vec::new();
        for (kind, path) in files {
            lists.push((*kind, read_list(path)?));
        }
        Ok(AnonymizerLists { lists })
    }

    /// The kind of anonymizer `address` belongs to, or `none`.
    pub fn kind_of(&self, address: IpAddr) -> Anonymizer {
        let address = number(address);
        PRECEDENCE
            .into_iter()
            .find(|kind| self.lists.iter().any(|(listed, ranges)| listed == kind && ranges.contains(address)))
            .unwrap_or(Anonymizer::None)
    }

    /// How many ranges each kind has (merged), for the start-up log.
    pub fn sizes(&self) -> Vec<(Anonymizer, usize)> {
        self.lists.iter().map(|(kind, ranges)| (*kind, ranges.0.len())).collect()
    }
}

fn read_list(path: &Path) -> Result<Ranges, String> {
    let text = crate::server::read_text_file(path, MAX_LIST_BYTES)?;
    if text.len() > MAX_LIST_BYTES {
        return Err(format!("{}: larger than {} MiB", path.display(), MAX_LIST_BYTES >> 20));
    }
    let mut ranges = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let entry = line.split('#').next().unwrap_or_default().trim();
        if entry.is_empty() {
            continue;
        }
        let network = parse_network(entry)
            .ok_or_else(|| format!("{}:{}: {entry:?} is not an address or CIDR range", path.display(), index + 1))?;
        ranges.push((number(network.network()), number(network.broadcast())));
    }
    Ok(Ranges::from_unsorted(ranges))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn ranges(entries: &[&str]) -> Ranges {
        Ranges::from_unsorted(
            entries
                .iter()
                .map(|entry| {
                    let network = parse_network(entry).unwrap();
                    (number(network.network()), number(network.broadcast()))
                })
                .collect(),
        )
    }

    fn ip(text: &str) -> u128 {
        number(text.parse().unwrap())
    }

    #[test]
    fn ranges_are_merged_and_searched() {
        let list = ranges(&["10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "192.0.2.7", "2001:db8::/32"]);
        assert_eq!(list.0.len(), 3, "{list:?}");
        for inside in ["10.0.0.0", "10.0.1.255", "192.0.2.7", "2001:db8:ffff::1", "::ffff:10.0.0.5"] {
            assert!(list.contains(ip(inside)), "{inside}");
        }
        for outside in ["9.255.255.255", "10.0.2.0", "192.0.2.6", "192.0.2.8", "2001:db9::", "::"] {
            assert!(!list.contains(ip(outside)), "{outside}");
        }
    }

    #[test]
    fn the_kind_that_hides_most_wins() {
        let lists = AnonymizerLists {
            lists: vec![
                (Anonymizer::Hosting, ranges(&["198.51.100.0/24"])),
                (Anonymizer::Tor, ranges(&["198.51.100.9"])),
            ],
        };
        assert_eq!(lists.kind_of("198.51.100.9".parse().unwrap()), Anonymizer::Tor);
        assert_eq!(lists.kind_of("198.51.100.10".parse().unwrap()), Anonymizer::Hosting);
        assert_eq!(lists.kind_of("203.0.113.1".parse().unwrap()), Anonymizer::None);
    }
}
