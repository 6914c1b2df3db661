//! profile_id → dense row.

use ahash::HashMap;

/// Maps profile ids to dense rows. CRM ids are usually dense sequences, where a direct table
/// (4 bytes per possible id, one load per probe) beats hashing by an order of magnitude; ids
/// spread wider than [`DIRECT_SPAN_PER_ID`] per profile fall back to a hash map.
#[derive(Debug, Clone)]
pub enum IdMap {
    Direct(Vec<u32>),
    Hashed(HashMap<i64, u32>),
}

const ABSENT: u32 = u32::MAX;

/// The widest id span, per profile, that still gets a direct table. A hash map of `i64 → u32`
/// costs about 17 bytes per slot at up to 7/8 load, rounded up to a power of two: 23–45 bytes
/// per profile. A direct table of 8 slots per profile (32 bytes) is no bigger, and ids left
/// after years of deletions (a few per profile) stay in it.
pub const DIRECT_SPAN_PER_ID: u64 = 8;

impl IdMap {
    /// Chooses the representation for `count` ids whose largest value is `max_id`.
    pub fn with_shape(count: usize, max_id: i64) -> IdMap {
        let span = max_id.saturating_add(1) as u64;
        let direct_limit = (count as u64).saturating_mul(DIRECT_SPAN_PER_ID).max(1 << 20);
        if count == 0 || (span <= direct_limit && span < u64::from(u32::MAX)) {
            IdMap::Direct(vec![ABSENT; if count == 0 { 0 } else { span as usize }])
        } else {
            let mut map = HashMap::default();
            map.reserve(count);
            IdMap::Hashed(map)
        }
    }

    /// Inserts `id → row`; returns the row already there, if any.
    pub fn insert(&mut self, id: i64, row: u32) -> Option<u32> {
        match self {
            IdMap::Direct(table) => {
                let slot = &mut table[id as usize];
                let old = std::mem::replace(slot, row);
                (old != ABSENT).then_some(old)
            }
            IdMap::Hashed(map) => map.insert(id, row),
        }
    }

    pub fn remove(&mut self, id: i64) {
        match self {
            IdMap::Direct(table) => table[id as usize] = ABSENT,
            IdMap::Hashed(map) => {
                map.remove(&id);
            }
        }
    }

    #[inline]
    pub fn get(&self, id: i64) -> Option<u32> {
        match self {
            IdMap::Direct(table) => table.get(usize::try_from(id).ok()?).copied().filter(|&r| r != ABSENT),
            IdMap::Hashed(map) => map.get(&id).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_ids_use_a_direct_table_sparse_ids_a_hash() {
        assert!(matches!(IdMap::with_shape(10, 12), IdMap::Direct(_)));
        assert!(matches!(IdMap::with_shape(10, i64::MAX), IdMap::Hashed(_)));
        for mut map in [IdMap::with_shape(3, 5), IdMap::with_shape(3, i64::MAX)] {
            assert_eq!(map.insert(5, 0), None);
            assert_eq!(map.insert(0, 1), None);
            assert_eq!(map.insert(5, 2), Some(0));
            assert_eq!(map.get(5), Some(2));
            assert_eq!(map.get(1), None);
            assert_eq!(map.get(i64::MAX), None);
            map.remove(5);
            assert_eq!(map.get(5), None);
        }
    }
}
