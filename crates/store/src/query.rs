//! List queries: filters over whitelisted columns, cursor pagination and pages.

use uuid::Uuid;

use crate::value::SqlValue;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 500;

/// One condition of a list query. Column and table names are always static strings chosen by the
/// code, never text from a request; values are bound as parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `column = value`
    Eq(&'static str, SqlValue),
    /// `column >= value`
    AtLeast(&'static str, SqlValue),
    /// `column < value`
    Before(&'static str, SqlValue),
    /// `column IS NULL`
    IsNull(&'static str),
    /// `column IS NOT NULL`
    NotNull(&'static str),
    /// Case-insensitive substring match on a column holding folded text (see `SqlValue::folded`).
    Contains(&'static str, String),
    /// The object has a row in a link table with one of these values, for example an account
    /// owning one of the domains of an email address.
    Linked {
        table: &'static str,
        owner_column: &'static str,
        value_column: &'static str,
        values: Vec<SqlValue>,
    },
}

/// Sort direction by id (ids are time-ordered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Oldest first.
    #[default]
    Ascending,
    /// Newest first.
    Descending,
}

/// A page request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filters: Vec<Filter>,
    /// Return objects after this id (exclusive), in the chosen order.
    pub after: Option<Uuid>,
    pub limit: u32,
    pub order: Order,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            filters: Vec::new(),
            after: None,
            limit: DEFAULT_LIMIT,
            order: Order::Ascending,
        }
    }
}

/// One page of results and the cursor of the next page, if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Uuid>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched rows: the extra row only proves there is more.
    pub(crate) fn from_overfetch(mut rows: Vec<T>, limit: u32, id_of: impl Fn(&T) -> Uuid) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more { rows.last().map(id_of) } else { None };
        Self {
            items: rows,
            next_cursor,
        }
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
pub(crate) fn like_pattern(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn overfetch_sets_cursor_only_when_more() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let page = Page::from_overfetch(ids.clone(), 2, |u| *u);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.next_cursor, Some(ids[1]));
        let page = Page::from_overfetch(ids[..2].to_vec(), 2, |u| *u);
        assert_eq!(page.next_cursor, None);
    }
}
