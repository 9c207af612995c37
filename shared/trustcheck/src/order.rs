//! Sorting the few items one policy lists, in little code.
//!
//! The standard library's sorts are made for any length: each element type and comparison
//! instantiates a few kilobytes of them, and the sandbox's WebAssembly, which has a size budget,
//! carried about forty such copies. What a policy lists (its findings, statements, values and
//! keys) is short, and bounded by IAM's size quota; an insertion sort of it is as fast and a few
//! dozen bytes each. Lists that grow with an account (functions, mappings) keep the standard
//! sort natively, where they may be long ([`sort_list_by`]).

/// Sorts `items` in place, stably: `before(a, b)` says that `a` goes before `b`.
pub(crate) fn sort_small_by<T>(items: &mut [T], mut before: impl FnMut(&T, &T) -> bool) {
    for end in 1..items.len() {
        let mut at = end;
        while let Some(previous) = at.checked_sub(1) {
            if !before(&items[at], &items[previous]) {
                break;
            }
            items.swap(at, previous);
            at = previous;
        }
    }
}

/// Sorts a list that grows with an account (its functions, their event source mappings) by
/// `order`, stably: the standard library's sort, whose time grows as n log n, except in the
/// sandbox's WebAssembly, where a person types the list and the sort's copies weigh on the
/// page's size budget. Both give the same order.
pub(crate) fn sort_list_by<T>(items: &mut [T], mut order: impl FnMut(&T, &T) -> std::cmp::Ordering) {
    if cfg!(target_arch = "wasm32") {
        sort_small_by(items, |a, b| order(a, b) == std::cmp::Ordering::Less);
    } else {
        items.sort_by(order);
    }
}

/// [`sort_list_by`] in ascending order, and drops repeats.
pub(crate) fn sort_list_dedup<T: Ord>(items: &mut Vec<T>) {
    sort_list_by(items, T::cmp);
    items.dedup();
}

/// Sorts `items` in ascending order and drops repeats.
pub(crate) fn sort_small_dedup<T: Ord>(items: &mut Vec<T>) {
    sort_small(items);
    items.dedup();
}

/// Sorts `items` in ascending order.
pub(crate) fn sort_small<T: Ord>(items: &mut [T]) {
    sort_small_by(items, |a, b| a < b);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_as_the_standard_sort_does(mut items in proptest::collection::vec((0u8..6, any::<u16>()), 0..40)) {
            let mut expected = items.clone();
            // Stable: equal keys keep their order, as `sort_by_key` keeps it.
            expected.sort_by_key(|(key, _)| *key);
            sort_small_by(&mut items, |a, b| a.0 < b.0);
            prop_assert_eq!(items, expected);
        }

        #[test]
        fn sorted_without_repeats(mut items in proptest::collection::vec(0u8..10, 0..40)) {
            let mut expected = items.clone();
            expected.sort_unstable();
            expected.dedup();
            sort_small_dedup(&mut items);
            prop_assert_eq!(items, expected);
        }
    }
}
