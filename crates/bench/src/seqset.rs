//! The seqs one client received in one room: a bitset plus the highest
//! seq below which nothing is missing, so "has it all?" is one comparison.

#[derive(Debug, Default, Clone)]
pub struct SeqSet {
    bits: Vec<u64>,
    /// Every seq in 1..=contiguous has been seen.
    contiguous: i64,
    count: u64,
}

impl SeqSet {
    /// Marks `seq` seen; false when it already was (a duplicate).
    pub fn insert(&mut self, seq: i64) -> bool {
        let Ok(i) = usize::try_from(seq) else {
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
        usize::try_from(seq)
            .ok()
            .and_then(|i| self.bits.get(i / 64).map(|w| w & (1 << (i % 64)) != 0))
            .unwrap_or(false)
    }

    pub fn contiguous(&self) -> i64 {
        self.contiguous
    }

    /// The highest seq seen (0 for none): the resume cursor.
    pub fn highest(&self) -> i64 {
        self.bits
            .iter()
            .enumerate()
            .rev()
            .find(|(_, w)| **w != 0)
            .map_or(0, |(i, w)| {
                i64::try_from(i * 64 + 63 - w.leading_zeros() as usize).unwrap_or(i64::MAX)
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
}
