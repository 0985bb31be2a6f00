//! Uniqueness checks in O(n log n): object member names, lists that must be distinct, tier and
//! issuer ids. Comparing each new item with every earlier one is quadratic, and a 256 KiB body
//! of distinct names then costs seconds (a denial of service); sorting references does not.
//! Sorting rather than hashing also keeps the cost independent of crafted hash collisions.

use std::cmp::Ordering;

/// The position of the first item (in input order) equal to an earlier one.
pub fn first_duplicate<T: Ord>(items: &[T]) -> Option<usize> {
    let compare = |a: usize, b: usize| match (items.get(a), items.get(b)) {
        (Some(a), Some(b)) => a.cmp(b),
        _ => Ordering::Equal,
    };
    first_duplicate_by(items.len(), &compare)
}

/// The sort behind [`first_duplicate`], compiled once rather than per item type: each copy of
/// a sort costs the widget kilobytes of wasm.
fn first_duplicate_by(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Option<usize> {
    if len < 2 {
        return None;
    }
    let mut order: Vec<usize> = (0..len).collect();
    // Equal items end up next to each other, in input order.
    order.sort_unstable_by(|a, b| compare(*a, *b).then(a.cmp(b)));
    order
        .windows(2)
        .filter_map(|pair| match pair {
            [earlier, later] if compare(*earlier, *later) == Ordering::Equal => Some(*later),
            _ => None,
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        static COMPARISONS: Cell<u64> = const { Cell::new(0) };
    }

    /// A value that counts how often it is compared.
    #[derive(PartialEq, Eq)]
    struct Counted(u32);

    impl PartialOrd for Counted {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Counted {
        fn cmp(&self, other: &Self) -> Ordering {
            COMPARISONS.with(|count| count.set(count.get() + 1));
            self.0.cmp(&other.0)
        }
    }

    fn comparisons_for(n: u32) -> u64 {
        COMPARISONS.with(|count| count.set(0));
        // Distinct values in a scrambled order: the worst case for a pairwise scan.
        let items: Vec<Counted> = (0..n).map(|i| Counted(i.wrapping_mul(2_654_435_761) % (n * 7 + 1))).collect();
        assert_eq!(first_duplicate(&items), None);
        COMPARISONS.with(Cell::get)
    }

    #[test]
    fn finds_the_first_repeated_item_in_input_order() {
        assert_eq!(first_duplicate::<u8>(&[]), None);
        assert_eq!(first_duplicate(&[1]), None);
        assert_eq!(first_duplicate(&[3, 1, 2]), None);
        assert_eq!(first_duplicate(&[3, 1, 3, 1]), Some(2));
        assert_eq!(first_duplicate(&[5, 1, 1, 5]), Some(2));
        assert_eq!(first_duplicate(&["b", "a", "c", "a", "b"]), Some(3));
    }

    #[test]
    fn work_grows_as_n_log_n_not_n_squared() {
        // 16x the items may cost at most ~16 x log ratio (about 21x) the comparisons; a pairwise
        // scan costs 256x.
        let small = comparisons_for(2_048);
        let large = comparisons_for(32_768);
        assert!(large < small * 24, "{small} comparisons for 2,048 items, {large} for 32,768");
        assert!(large < 32_768 * 20, "{large} comparisons for 32,768 items");
    }
}
