//! Template placeholders left unfilled (`{{order_id}}`, `{buyer_name}`): DESIGN §5 says they
//! block sending on every channel, since the buyer would see the raw placeholder.

use std::sync::LazyLock;

use regex::Regex;

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{[^{}\n]{1,60}\}\}|\{[a-z][a-z0-9_.]{1,40}\}").expect("valid regex")
});

/// Spans (byte offsets) of unfilled placeholders.
pub(crate) fn find(body: &str) -> Vec<(usize, usize)> {
    PLACEHOLDER
        .find_iter(body)
        .map(|m| (m.start(), m.end()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_and_single_brace_placeholders_are_found() {
        let body = "Dear {{ buyer.name }}, order {order_id} ships {Monday}.";
        let found: Vec<&str> = find(body).into_iter().map(|(s, e)| &body[s..e]).collect();
        assert_eq!(found, vec!["{{ buyer.name }}", "{order_id}"]);
    }
}
