//! The addresses that can leave a row in an output, numbered, so that the log's second pass
//! keeps only the rows of those addresses.
//!
//! Only an address with a current entry or a log row that can open one (a bounce, a
//! complaint, a STOP: [`crate::transition::role`]) can end the night with an entry or a
//! change. Most of a night's log is one `delivered` row to an address that never bounced:
//! such a row changes nothing, and keeping it until the replay made the job's memory grow
//! with the log's rows. [`AddressTable`] holds one partition's addresses that can; the second
//! pass over the log asks it about every `delivered` and `start` row and keeps only the rows
//! it knows, so memory grows with those addresses, not with the log.

use suppress_model::Channel;

/// Addresses are grouped into this many partitions by [`key_hash`], replayed in parallel.
pub const PARTITIONS: usize = 64;

/// The hash of (channel, canonical address): its low bits pick the partition, the next ones
/// the slot in the partition's table, the top 32 bits are the slot's tag and filter bit.
#[inline]
pub fn key_hash(channel: Channel, canonical: &str) -> u64 {
    suppress_index::fingerprint(canonical) ^ (channel.index() as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The partition of a [`key_hash`].
#[inline]
pub fn partition(hash: u64) -> usize {
    (hash % PARTITIONS as u64) as usize
}

/// One partition's distinct (channel, canonical address) pairs, numbered from 0 in the order
/// they were first seen; found again by hash without a heap string per address.
#[derive(Debug, Default)]
pub struct AddressTable {
    /// Every address, one after the other, in number order.
    arena: String,
    /// Per number: the end of its address in `arena`, and its channel.
    ends: Vec<usize>,
    channels: Vec<Channel>,
    /// Open addressing, linear probing: per slot the tag (top 32 bits of the hash) and the
    /// number + 1, 0 when empty. At most half full.
    slots: Vec<(u32, u32)>,
    /// One bit per tag value modulo its length, set for every address: the second pass asks
    /// about ten times as many addresses as the table holds, and most are answered here,
    /// from a few megabytes that stay in the cache, without touching a slot.
    filter: Vec<u64>,
}

impl AddressTable {
    /// An empty table sized for about `expected` addresses.
    pub fn with_capacity(expected: usize) -> AddressTable {
        AddressTable { slots: vec![(0, 0); (2 * expected).next_power_of_two().max(16)], ..AddressTable::default() }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Number `n`'s channel and address.
    pub fn address(&self, n: u32) -> (Channel, &str) {
        let n = n as usize;
        let start = if n == 0 { 0 } else { self.ends[n - 1] };
        (self.channels[n], &self.arena[start..self.ends[n]])
    }

    /// The number of (`channel`, `address`), whose [`key_hash`] is `hash`; a new one (the
    /// next number) when it is not in the table yet.
    pub fn number_or_insert(&mut self, hash: u64, channel: Channel, address: &str) -> u32 {
        if 2 * (self.len() + 1) > self.slots.len() {
            self.grow();
        }
        match self.find(hash, channel, address) {
            Ok(n) => n,
            Err(slot) => {
                let n = u32::try_from(self.len()).expect("fewer than 2^32 addresses in one partition");
                self.arena.push_str(address);
                self.ends.push(self.arena.len());
                self.channels.push(channel);
                self.slots[slot] = ((hash >> 32) as u32, n + 1);
                n
            }
        }
    }

    /// Builds the filter; call once every address is in, before [`AddressTable::get`].
    pub fn seal(&mut self) {
        let bits = (16 * self.len()).next_power_of_two().max(64);
        self.filter = vec![0; bits / 64];
        for &(tag, n) in &self.slots {
            if n != 0 {
                let (word, mask) = self.filter_bit(tag);
                self.filter[word] |= mask;
            }
        }
    }

    /// The number of (`channel`, `address`), whose [`key_hash`] is `hash`, if it is in the
    /// table. Only after [`AddressTable::seal`].
    #[inline]
    pub fn get(&self, hash: u64, channel: Channel, address: &str) -> Option<u32> {
        let (word, mask) = self.filter_bit((hash >> 32) as u32);
        if self.filter[word] & mask == 0 {
            return None;
        }
        self.find(hash, channel, address).ok()
    }

    /// Brings in the filter word [`AddressTable::get`] of `hash` reads first.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        let (word, _) = self.filter_bit((hash >> 32) as u32);
        suppress_index::prefetch(&self.filter[word]);
    }

    /// The word of the filter and the bit in it that stand for `tag`.
    #[inline]
    fn filter_bit(&self, tag: u32) -> (usize, u64) {
        let bit = tag as usize & (self.filter.len() * 64 - 1);
        (bit / 64, 1 << (bit % 64))
    }

    /// `Ok(number)`, or `Err(the empty slot where it would go)`.
    #[inline]
    fn find(&self, hash: u64, channel: Channel, address: &str) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let tag = (hash >> 32) as u32;
        let mut slot = (hash >> 6) as usize & mask;
        loop {
            let (slot_tag, n) = self.slots[slot];
            if n == 0 {
                return Err(slot);
            }
            if slot_tag == tag && self.address(n - 1) == (channel, address) {
                return Ok(n - 1);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Twice the slots, every address placed again.
    fn grow(&mut self) {
        let slots = (self.slots.len() * 2).max(16);
        self.slots = vec![(0, 0); slots];
        for n in 0..self.len() as u32 {
            let (channel, address) = self.address(n);
            let hash = key_hash(channel, address);
            let Err(slot) = self.find(hash, channel, address) else { unreachable!("addresses are distinct") };
            self.slots[slot] = ((hash >> 32) as u32, n + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(table: &mut AddressTable, channel: Channel, address: &str) -> u32 {
        table.number_or_insert(key_hash(channel, address), channel, address)
    }

    #[test]
    fn numbers_in_first_seen_order_and_finds_them_again() {
        let mut table = AddressTable::with_capacity(1);
        let addresses: Vec<String> = (0..1000).map(|i| format!("user{i}@example.com")).collect();
        for (i, a) in addresses.iter().enumerate() {
            assert_eq!(number(&mut table, Channel::Email, a), i as u32);
        }
        // The same text on another channel is another address.
        assert_eq!(number(&mut table, Channel::Sms, &addresses[0]), 1000);
        for (i, a) in addresses.iter().enumerate() {
            assert_eq!(number(&mut table, Channel::Email, a), i as u32);
            assert_eq!(table.address(i as u32), (Channel::Email, a.as_str()));
        }
        table.seal();
        for (i, a) in addresses.iter().enumerate() {
            assert_eq!(table.get(key_hash(Channel::Email, a), Channel::Email, a), Some(i as u32));
        }
        assert_eq!(table.get(key_hash(Channel::Sms, &addresses[0]), Channel::Sms, &addresses[0]), Some(1000));
        assert_eq!(table.get(key_hash(Channel::Sms, &addresses[1]), Channel::Sms, &addresses[1]), None);
        assert_eq!(table.get(key_hash(Channel::Email, "other@example.com"), Channel::Email, "other@example.com"), None);
    }

    #[test]
    fn a_shared_hash_never_confuses_two_addresses() {
        // Every address forced onto one hash: the tag and the slot agree, the text decides.
        let mut table = AddressTable::with_capacity(4);
        for (i, a) in ["a@x.fr", "b@x.fr", "c@x.fr"].into_iter().enumerate() {
            assert_eq!(table.number_or_insert(42, Channel::Email, a), i as u32);
        }
        table.seal();
        assert_eq!(table.get(42, Channel::Email, "b@x.fr"), Some(1));
        assert_eq!(table.get(42, Channel::Email, "d@x.fr"), None);
    }

    #[test]
    fn an_empty_sealed_table_finds_nothing() {
        let mut table = AddressTable::default();
        table.seal();
        assert!(table.is_empty());
        assert_eq!(table.get(key_hash(Channel::Email, "a@x.fr"), Channel::Email, "a@x.fr"), None);
    }
}
