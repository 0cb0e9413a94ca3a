//! Aligned text tables for query results. Each column is as wide as its
//! widest cell (counted in characters), cells are left-aligned except
//! numbers, and the last column is never padded, so long messages do not
//! push trailing spaces into a pipe. Newlines inside a cell are shown as
//! `\n` so one row stays one line (and `grep`, `sort`, `cut` keep working).

/// Renders `columns` and `rows` as an aligned table: a header, a rule, rows.
pub fn render(columns: &[String], rows: &[Vec<String>]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| one_line(cell)).collect())
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for row in &cells {
        for (index, cell) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(index) {
                *width = (*width).max(cell.chars().count());
            }
        }
    }
    let numeric: Vec<bool> = (0..columns.len())
        .map(|index| {
            !cells.is_empty()
                && cells.iter().all(|row| {
                    row.get(index)
                        .is_none_or(|cell| cell.is_empty() || cell.parse::<f64>().is_ok())
                })
        })
        .collect();
    let mut out = String::new();
    let line = |out: &mut String, row: &[String]| {
        let last = row.len().saturating_sub(1);
        for (index, cell) in row.iter().enumerate() {
            let width = widths.get(index).copied().unwrap_or(0);
            let pad = width.saturating_sub(cell.chars().count());
            if index > 0 {
                out.push_str("  ");
            }
            if numeric.get(index).copied().unwrap_or(false) {
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            } else {
                out.push_str(cell);
                if index != last {
                    out.push_str(&" ".repeat(pad));
                }
            }
        }
        out.push('\n');
    };
    line(&mut out, columns);
    let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
    line(&mut out, &rule);
    for row in &cells {
        line(&mut out, row);
    }
    out
}

fn one_line(cell: &str) -> String {
    cell.replace('\r', "\\r").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    #[test]
    fn columns_align_and_numbers_go_right() {
        let table = render(
            &strings(&["functionName", "c"]),
            &[strings(&["processEvent", "120"]), strings(&["hello", "7"])],
        );
        assert_eq!(
            table,
            "functionName    c\n------------  ---\nprocessEvent  120\nhello           7\n"
        );
    }

    #[test]
    fn the_last_column_is_not_padded_and_newlines_stay_on_one_line() {
        let table = render(
            &strings(&["level", "message"]),
            &[strings(&["INFO", "a\nb"]), strings(&["ERROR", "x"])],
        );
        assert_eq!(
            table,
            "level  message\n-----  -------\nINFO   a\\nb\nERROR  x\n"
        );
    }

    #[test]
    fn wide_characters_count_as_one() {
        let table = render(&strings(&["k"]), &[strings(&["交易"]), strings(&["ab"])]);
        assert!(table.lines().all(|line| !line.ends_with(' ')), "{table}");
    }
}
