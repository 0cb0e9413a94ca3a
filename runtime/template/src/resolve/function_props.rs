//! Function properties both project formats check alike: `MemorySize` (`memorySize`
//! in `s.yaml`) and `Layers` (`layers`). Each check is written once and given the
//! key as the format spells it, so both formats say the same thing about them.

use super::props::{Props, expect_list};
use crate::diagnostics::Diags;

/// Whether a memory size `mb` (already in range) is a multiple of 64 MB, as FC
/// requires; otherwise an error at `key` suggesting the nearest valid sizes.
pub(crate) fn multiple_of_64(mb: i64, p: &Props<'_>, key: &str, d: &mut Diags) -> bool {
    if mb % 64 == 0 {
        return true;
    }
    if let Some(node) = p.get(key) {
        let lower = mb / 64 * 64;
        d.error(
            node.pos,
            format!(
                "{}: `{key}` must be a multiple of 64 (MB), found {mb}; try {} or {}",
                p.ctx,
                lower.max(128),
                lower + 64
            ),
        );
    }
    false
}

/// Checks `key` is a list and warns that fclocal does not use it.
pub(crate) fn layers(p: &Props<'_>, key: &str, d: &mut Diags) {
    if let Some(e) = p.entry(key)
        && expect_list(&e.value, key, p.ctx, d).is_some()
    {
        d.warning(
            e.key_pos,
            format!(
                "{}: `{key}` are accepted but not used by fclocal (components carry their own code)",
                p.ctx
            ),
        );
    }
}
