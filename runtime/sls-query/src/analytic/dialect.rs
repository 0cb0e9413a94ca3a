//! The SQL dialect: sqlparser's `GenericDialect` plus the Presto syntax SLS queries use.
//!
//! `GenericDialect` accepts every example in reference/sls.md §6 (single quotes for
//! strings, double quotes for names like `"__tag__:__client_ip__"`, `LIMIT y, x`, `x[i]`,
//! `map(varchar, varchar)`) but not Presto's `array(varchar)` type or lambdas
//! (`transform(a, x -> x + 1)`). [`SlsDialect`] forwards everything to `GenericDialect`
//! and enables those two. It reports `GenericDialect`'s [`TypeId`] so the parser's
//! "is this the generic dialect" checks behave exactly as for `GenericDialect`.
//!
//! The forwarding list mirrors every method `GenericDialect` overrides in sqlparser 0.64
//! (the trait's defaults cover the rest); revisit it when upgrading sqlparser.

use std::any::TypeId;

use sqlparser::dialect::{Dialect, GenericDialect};

/// `GenericDialect` with Presto's `ARRAY(type)` and lambdas.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SlsDialect;

/// Forwards `fn name(&self) -> bool` methods to `GenericDialect`.
macro_rules! forward {
    ($($name:ident),* $(,)?) => {
        $(
            fn $name(&self) -> bool {
                GenericDialect.$name()
            }
        )*
    };
}

impl Dialect for SlsDialect {
    fn dialect(&self) -> TypeId {
        TypeId::of::<GenericDialect>()
    }

    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        GenericDialect.is_delimited_identifier_start(ch)
    }

    fn is_identifier_start(&self, ch: char) -> bool {
        GenericDialect.is_identifier_start(ch)
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        GenericDialect.is_identifier_part(ch)
    }

    fn supports_array_typedef_with_parentheses(&self) -> bool {
        true
    }

    fn supports_lambda_functions(&self) -> bool {
        true
    }

    forward!(
        supports_map_typedef_with_parentheses,
        supports_unicode_string_literal,
        supports_literal_prefix_in_qualified_name,
        supports_partition_by_after_order_by,
        supports_array_join_syntax,
        supports_group_by_expr,
        supports_group_by_with_modifier,
        supports_left_associative_joins_without_parens,
        supports_connect_by,
        supports_match_recognize,
        supports_pipe_operator,
        supports_start_transaction_modifier,
        supports_window_function_null_treatment_arg,
        supports_dictionary_syntax,
        supports_window_clause_named_window_reference,
        supports_parenthesized_set_variables,
        supports_select_wildcard_except,
        support_map_literal_syntax,
        allow_extract_custom,
        allow_extract_single_quotes,
        supports_extract_comma_syntax,
        supports_create_view_comment_syntax,
        supports_parens_around_table_factor,
        supports_values_as_table_factor,
        supports_create_index_with_clause,
        supports_sql_option_without_value,
        supports_explain_with_utility_options,
        supports_exclude_constraint,
        supports_limit_comma,
        supports_update_order_by,
        supports_from_first_select,
        supports_projection_trailing_commas,
        supports_asc_desc_in_column_definition,
        supports_try_convert,
        supports_bitwise_shift_operators,
        supports_singular_value_keyword,
        supports_comma_join_constraint,
        supports_tilde_like_match_operator,
        supports_aggregate_order_by_with_empty_args,
        supports_in_table_expression,
        supports_comparison_in_between_low_bound,
        supports_comment_on,
        supports_load_extension,
        supports_named_fn_args_with_assignment_operator,
        supports_struct_literal,
        supports_empty_projections,
        supports_nested_comments,
        supports_multiline_comment_hints,
        supports_copy_from_stdin_data,
        supports_user_host_grantee,
        supports_string_escape_constant,
        supports_array_typedef_with_brackets,
        supports_match_against,
        supports_set_names,
        supports_comma_separated_set_assignments,
        supports_filter_during_aggregation,
        supports_select_wildcard_exclude,
        supports_data_type_signed_suffix,
        supports_data_type_zerofill_suffix,
        supports_interval_options,
        supports_quote_delimited_string,
        supports_select_wildcard_replace,
        supports_select_wildcard_ilike,
        supports_select_wildcard_rename,
        supports_optimize_table,
        supports_install,
        supports_detach,
        supports_prewhere,
        supports_with_fill,
        supports_limit_by,
        supports_interpolate,
        supports_settings,
        supports_table_partitions,
        supports_table_inheritance_markers,
        supports_select_format,
        supports_comment_optimizer_hint,
        supports_constraint_keyword_without_name,
        supports_key_column_option,
        supports_comma_separated_trim,
        supports_cte_without_as,
        supports_select_item_multi_column_alias,
        supports_xml_expressions,
        supports_aliased_function_args,
        supports_alter_column_position,
        supports_add_column_if_not_exists,
    );
}

#[cfg(test)]
mod tests {
    use sqlparser::parser::Parser;

    use super::*;

    fn render(sql: &str) -> String {
        let statements =
            Parser::parse_sql(&SlsDialect, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        statements[0].to_string()
    }

    #[test]
    fn presto_array_type_and_lambdas() {
        assert_eq!(
            render("SELECT CAST(x AS array(varchar))"),
            "SELECT CAST(x AS Array(VARCHAR))"
        );
        assert_eq!(
            render("SELECT transform(a, x -> x + 1)"),
            "SELECT transform(a, x -> x + 1)"
        );
    }

    #[test]
    fn generic_syntax_still_parses() {
        assert_eq!(
            render("SELECT a LIMIT 100, 1000"),
            "SELECT a LIMIT 100, 1000"
        );
        assert_eq!(
            render("SELECT CAST(x AS map(varchar, varchar))['k']"),
            "SELECT CAST(x AS Map(VARCHAR, VARCHAR))['k']"
        );
        assert_eq!(
            render("SELECT \"top 10\", `b` FROM log"),
            "SELECT \"top 10\", `b` FROM log"
        );
    }
}
