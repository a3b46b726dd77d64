//! Cursor pagination shared by every listing: the page parameters' validation and the page
//! shape.

use marketdesk::store::{Page, PageRequest};
use serde::Serialize;

use crate::Problem;

/// `limit` checked against 1..=100 (named in the problem when not), `cursor` passed through
/// (the store rejects one issued for another listing or tenant).
pub fn page_request(limit: Option<u32>, cursor: Option<String>) -> Result<PageRequest, Problem> {
    if let Some(limit) = limit.filter(|l| !(1..=PageRequest::MAX_LIMIT).contains(l)) {
        return Err(Problem::invalid(
            "limit",
            format!("{limit} is not between 1 and {}", PageRequest::MAX_LIMIT),
        ));
    }
    Ok(PageRequest { limit, cursor })
}

/// `items` and the cursor of the next page (`null` on the last).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Listing<T> {
    items: Vec<T>,
    /// Pass it as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

impl<T> From<Page<T>> for Listing<T> {
    fn from(page: Page<T>) -> Self {
        Listing {
            items: page.items,
            next_cursor: page.next,
        }
    }
}
