//! Small helpers to write SQL text safely and read small results back.

use datafusion::arrow::util::display::array_value_to_string;
use datafusion::prelude::SessionContext;

use crate::error::{engine, ClusterError};

/// `name` as a quoted SQL identifier.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `text` as an SQL string literal.
pub fn text_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Runs a query with a small result and returns its rows as text (null as the empty string).
pub async fn collect_rows(ctx: &SessionContext, sql: &str, context: &str) -> Result<Vec<Vec<String>>, ClusterError> {
    let batches = ctx
        .sql(sql)
        .await
        .map_err(engine(format!("{context}: planning")))?
        .collect()
        .await
        .map_err(engine(context.to_string()))?;
    let mut rows = Vec::new();
    for batch in &batches {
        for i in 0..batch.num_rows() {
            let row = batch
                .columns()
                .iter()
                .map(|c| if c.is_null(i) { String::new() } else { array_value_to_string(c, i).unwrap_or_default() })
                .collect();
            rows.push(row);
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_are_escaped() {
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(text_literal("it's"), "'it''s'");
    }
}
