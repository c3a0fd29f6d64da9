//! The seqs one client received in one room: a bitset plus the highest
//! seq below which nothing is missing, so "has it all?" is one comparison.

#[derive(Debug, Default, Clone)]
pub struct SeqSet {
    /// The cursor the client started from: it never expects seqs up to it.
    base: i64,
    /// Bit `i` is seq `base + i`.
    bits: Vec<u64>,
    /// Every seq in base+1..=contiguous has been seen.
    contiguous: i64,
    count: u64,
}

impl SeqSet {
    /// A client that starts after `base` (the room's newest seq when it
    /// first subscribes), as one that opened the room would.
    pub fn after(base: i64) -> Self {
        let base = base.max(0);
        Self {
            base,
            contiguous: base,
            ..Self::default()
        }
    }

    /// Marks `seq` seen; false when it already was (a duplicate), or is at
    /// or below the start (the server must not send it again).
    pub fn insert(&mut self, seq: i64) -> bool {
        if seq <= self.contiguous {
            return false;
        }
        let Ok(i) = usize::try_from(seq - self.base) else {
            return true;
        };
        let (word, bit) = (i / 64, i % 64);
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        if self.bits[word] & (1 << bit) != 0 {
            return false;
        }
        self.bits[word] |= 1 << bit;
        self.count += 1;
        while self.contains(self.contiguous + 1) {
            self.contiguous += 1;
        }
        true
    }

    pub fn contains(&self, seq: i64) -> bool {
        usize::try_from(seq - self.base)
            .ok()
            .and_then(|i| self.bits.get(i / 64).map(|w| w & (1 << (i % 64)) != 0))
            .unwrap_or(false)
    }

    pub fn contiguous(&self) -> i64 {
        self.contiguous
    }

    /// The highest seq seen (the start for none): the resume cursor.
    pub fn highest(&self) -> i64 {
        self.bits
            .iter()
            .enumerate()
            .rev()
            .find(|(_, w)| **w != 0)
            .map_or(self.base, |(i, w)| {
                let offset = i64::try_from(i * 64 + 63 - w.leading_zeros() as usize);
                self.base + offset.unwrap_or(i64::MAX - self.base)
            })
    }

    pub fn count(&self) -> u64 {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seqs_are_counted_once_and_the_gap_free_prefix_follows() {
        let mut s = SeqSet::default();
        assert!(s.insert(1));
        assert!(s.insert(3));
        assert!(!s.insert(3));
        assert_eq!((s.contiguous(), s.highest(), s.count()), (1, 3, 2));
        assert!(s.insert(2));
        assert_eq!(s.contiguous(), 3);
        assert!(s.insert(200));
        assert_eq!((s.contiguous(), s.highest()), (3, 200));
        assert!(s.contains(200) && !s.contains(199) && !s.contains(5000));
    }

    #[test]
    fn a_set_started_after_a_cursor_is_gap_free_from_there() {
        let mut s = SeqSet::after(30_000);
        assert_eq!(
            (s.contiguous(), s.highest(), s.count()),
            (30_000, 30_000, 0)
        );
        assert!(!s.insert(30_000), "at or below the start is never new");
        assert!(s.insert(30_002));
        assert_eq!((s.contiguous(), s.highest()), (30_000, 30_002));
        assert!(s.insert(30_001));
        assert_eq!((s.contiguous(), s.count()), (30_002, 2));
        assert!(s.contains(30_001) && !s.contains(29_999) && !s.contains(30_003));
    }
}
