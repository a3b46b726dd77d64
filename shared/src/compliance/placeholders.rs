//! Template placeholders left unfilled (`[ORDER_ID]`, `{{order_id}}`, `{buyer_name}`): DESIGN §5
//! says they block sending on every channel, since the buyer would see the raw placeholder.
//! `[UPPER_SNAKE]` is the syntax of the starter templates (`crate::templates`); the brace forms
//! catch text pasted from other helpdesks.

use std::sync::LazyLock;

use regex::Regex;

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{[^{}\n]{1,60}\}\}|\{[a-z][a-z0-9_.]{1,40}\}|\[[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\]")
        .expect("valid regex")
});

/// Spans (byte offsets) of unfilled placeholders.
pub(crate) fn find(body: &str) -> Vec<(usize, usize)> {
    PLACEHOLDER
        .find_iter(body)
        // `[A]` or `[X]` reads as a list marker or a checkbox, not as a placeholder.
        .filter(|m| m.len() > 3)
        .map(|m| (m.start(), m.end()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(body: &str) -> Vec<&str> {
        find(body).into_iter().map(|(s, e)| &body[s..e]).collect()
    }

    #[test]
    fn double_and_single_brace_placeholders_are_found() {
        let body = "Dear {{ buyer.name }}, order {order_id} ships {Monday}.";
        assert_eq!(found(body), vec!["{{ buyer.name }}", "{order_id}"]);
    }

    #[test]
    fn bracketed_upper_case_placeholders_are_found_but_not_short_markers_or_prose() {
        let body = "Order [ORDER_ID] via [CARRIER] [X] [a note] [Order_Id] [TRACKING_URL]";
        assert_eq!(
            found(body),
            vec!["[ORDER_ID]", "[CARRIER]", "[TRACKING_URL]"]
        );
    }
}
