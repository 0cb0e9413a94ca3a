//! `MemorySize` as a cap on the whole instance.
//!
//! wasmtime's `StoreLimits::memory_size` caps each linear memory on its own
//! (spin#3705), so a component with two memories could use twice its budget.
//! [`MemoryLimiter`] instead keeps one running total across every memory of
//! the instance: creation and growth of any memory count against it. Linear
//! memories never shrink, so the total is also the peak that FC reports as
//! `Max Memory Used`.

use wasmtime::ResourceLimiter;

/// Upper bound on table elements, so a guest cannot make the host allocate
/// unbounded tables either.
const MAX_TABLE_ELEMENTS: usize = 1_000_000;

/// Caps the sum of all linear memories of one instance.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    limit: usize,
    total: usize,
    /// The total requested by the first growth that was refused, if any.
    refused: Option<usize>,
}

impl MemoryLimiter {
    pub(crate) fn new(limit_bytes: u64) -> Self {
        MemoryLimiter {
            limit: usize::try_from(limit_bytes).unwrap_or(usize::MAX),
            total: 0,
            refused: None,
        }
    }

    /// Bytes of linear memory in use (and the peak, since memories only grow).
    pub(crate) fn used_bytes(&self) -> u64 {
        self.total as u64
    }

    /// The configured cap in bytes.
    pub(crate) fn limit_bytes(&self) -> u64 {
        self.limit as u64
    }

    /// Takes the record of a refused growth, so the next call starts clean.
    pub(crate) fn take_refusal(&mut self) -> Option<u64> {
        self.refused.take().map(|bytes| bytes as u64)
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            // The growth fails anyway on the memory's own maximum; not ours to count.
            return Ok(false);
        }
        let growth = desired.saturating_sub(current);
        let wanted = self.total.saturating_add(growth);
        if wanted > self.limit {
            self.refused.get_or_insert(wanted);
            return Ok(false);
        }
        self.total = wanted;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: usize = 1 << 20;

    #[test]
    fn counts_every_memory_against_one_total() {
        let mut limiter = MemoryLimiter::new(10 * MB as u64);
        assert!(limiter.memory_growing(0, 4 * MB, None).unwrap());
        assert!(limiter.memory_growing(0, 4 * MB, None).unwrap());
        // A third memory of 4 MB would make 12 MB: refused.
        assert!(!limiter.memory_growing(0, 4 * MB, None).unwrap());
        assert_eq!(limiter.used_bytes(), 8 * MB as u64);
        assert_eq!(limiter.take_refusal(), Some(12 * MB as u64));
        assert_eq!(limiter.take_refusal(), None);
    }

    #[test]
    fn growth_counts_only_the_difference() {
        let mut limiter = MemoryLimiter::new(10 * MB as u64);
        assert!(limiter.memory_growing(0, 2 * MB, None).unwrap());
        assert!(limiter.memory_growing(2 * MB, 9 * MB, None).unwrap());
        assert_eq!(limiter.used_bytes(), 9 * MB as u64);
        assert!(!limiter.memory_growing(9 * MB, 11 * MB, None).unwrap());
        assert_eq!(limiter.used_bytes(), 9 * MB as u64);
    }

    #[test]
    fn growth_past_the_memory_maximum_is_not_counted() {
        let mut limiter = MemoryLimiter::new(10 * MB as u64);
        assert!(!limiter.memory_growing(0, 4 * MB, Some(2 * MB)).unwrap());
        assert_eq!(limiter.used_bytes(), 0);
        assert_eq!(limiter.take_refusal(), None);
    }
}
