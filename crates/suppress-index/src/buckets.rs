//! Grouping items by bucket with a counting scatter: count, then place.

/// `items` grouped into `buckets` buckets by `bucket_of`, in their order within each bucket,
/// and where each bucket starts (bucket `b` is `starts[b]..starts[b + 1]`). Counted first, then
/// placed, in one exact vector, which goes back to the system when freed: one growing vector
/// per bucket stayed in the heap as resident memory.
pub(crate) fn group_by_bucket<T: Copy + Default>(
    items: impl Iterator<Item = T> + Clone,
    buckets: usize,
    bucket_of: impl Fn(&T) -> usize,
) -> (Vec<T>, Vec<usize>) {
    let mut starts = vec![0usize; buckets + 1];
    for item in items.clone() {
        starts[bucket_of(&item) + 1] += 1;
    }
    for b in 0..buckets {
        starts[b + 1] += starts[b];
    }
    let mut cursor = starts.clone();
    let mut grouped = vec![T::default(); starts[buckets]];
    for item in items {
        let slot = &mut cursor[bucket_of(&item)];
        grouped[*slot] = item;
        *slot += 1;
    }
    (grouped, starts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_bucket_in_order() {
        let (grouped, starts) = group_by_bucket([13u32, 2, 7, 10, 4, 1].into_iter(), 4, |&x| (x % 4) as usize);
        assert_eq!(grouped, vec![4, 13, 1, 2, 10, 7]);
        assert_eq!(starts, vec![0, 1, 3, 5, 6]);
        let (empty, starts) = group_by_bucket(std::iter::empty::<u32>(), 2, |_| 0);
        assert!(empty.is_empty() && starts == vec![0, 0, 0]);
    }
}
