//! How lines set aside are reported: one line per logstore and reason for
//! each batch, however the lines interleave, so a batch with many refused
//! lines prints a few lines rather than one per line.

use crate::plan::Dropped;

/// Most id ranges listed in one summary.
const MAX_RANGES: usize = 8;

/// One summary per (project, logstore, reason), in the order of their first
/// line: "N line(s) of p/ls (ids 3..=5, 9): reason".
pub(crate) fn summaries(dropped: &[Dropped]) -> Vec<String> {
    let mut kinds: Vec<(&Dropped, Vec<i64>)> = Vec::new();
    for line in dropped {
        let same = |(first, _): &&mut (&Dropped, Vec<i64>)| {
            first.project == line.project
                && first.logstore == line.logstore
                && first.reason == line.reason
        };
        match kinds.iter_mut().find(same) {
            Some((_, ids)) => ids.push(line.id),
            None => kinds.push((line, vec![line.id])),
        }
    }
    kinds
        .into_iter()
        .map(|(first, mut ids)| {
            ids.sort_unstable();
            format!(
                "{} line(s) of {}/{} (ids {}): {}",
                ids.len(),
                first.project,
                first.logstore,
                ranges(&ids),
                first.reason
            )
        })
        .collect()
}

/// Sorted ids as ranges: "1..=3, 7, 9..=10", cut after [`MAX_RANGES`].
fn ranges(ids: &[i64]) -> String {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &id in ids {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == id => *last = id,
            _ => runs.push((id, id)),
        }
    }
    let mut parts: Vec<String> = runs
        .iter()
        .take(MAX_RANGES)
        .map(|&(first, last)| {
            if first == last {
                first.to_string()
            } else {
                format!("{first}..={last}")
            }
        })
        .collect();
    if runs.len() > MAX_RANGES {
        parts.push("…".to_owned());
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::DropReason;

    fn line(id: i64, logstore: &str, reason: DropReason) -> Dropped {
        Dropped {
            id,
            project: "p".into(),
            logstore: logstore.into(),
            reason,
        }
    }

    #[test]
    fn one_summary_per_logstore_and_reason_however_lines_interleave() {
        let dropped = [
            line(1, "a", DropReason::TooOld),
            line(2, "b", DropReason::TooOld),
            line(3, "a", DropReason::TooOld),
            line(4, "a", DropReason::TooFarAhead),
            line(5, "a", DropReason::TooOld),
            line(9, "a", DropReason::TooOld),
        ];
        assert_eq!(
            summaries(&dropped),
            [
                "4 line(s) of p/a (ids 1, 3, 5, 9): older than SLS's 7-day PutLogs window",
                "1 line(s) of p/b (ids 2): older than SLS's 7-day PutLogs window",
                "1 line(s) of p/a (ids 4): more than 15 minutes in the future",
            ]
        );
        let many: Vec<Dropped> = (0..40)
            .map(|n| line(n * 2, "a", DropReason::TooOld))
            .collect();
        let summary = &summaries(&many)[0];
        assert!(
            summary.starts_with("40 line(s) of p/a (ids 0, 2, 4, 6, 8, 10, 12, 14, …)"),
            "{summary}"
        );
        assert_eq!(ranges(&[1, 2, 3, 7]), "1..=3, 7");
    }
}
