//! HTML bodies to plain text.
//!
//! mail-parser's own `html_to_text` joins block elements without line breaks ("Ciao,il pacco")
//! and drops the quoting of `<blockquote>`; html2text renders blocks, lists and quotes the way
//! a reader sees them, and quoted history keeps its `> ` prefix so `quotes` can remove it.

use html2text::render::TextDecorator;

/// Wide enough that no line of a mail is re-wrapped: line breaks are the author's.
const RENDER_WIDTH: usize = 10_000;

/// Deeper nesting than this is not a mail client's output but an attempt to burn CPU:
/// html2text's rendering time grows with the square of the depth (60 000 nested `<div>`s take
/// ten seconds), so such documents get the crude tag stripper instead.
const MAX_NESTING: usize = 400;

/// The readable text of an HTML body; links keep their text only, quotes get `> `.
pub fn html_to_text(html: &str) -> String {
    if nesting_depth(html) > MAX_NESTING {
        return strip_tags_fallback(html);
    }
    let rendered = html2text::config::with_decorator(MailDecorator)
        .raw_mode(true)
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), RENDER_WIDTH)
        .unwrap_or_else(|_| strip_tags_fallback(html));
    rendered
        .lines()
        // Horizontal rules come out as box-drawing lines; they carry no words.
        .filter(|l| !l.trim().chars().all(|c| c == '─' || c == '━') || l.trim().is_empty())
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The deepest element nesting, roughly: void elements, self-closing tags and elements that
/// authors often leave unclosed (`p`, `li`, table cells) do not count, comments are skipped.
fn nesting_depth(html: &str) -> usize {
    const NOT_NESTING: [&str; 22] = [
        "br", "img", "hr", "meta", "input", "link", "col", "area", "base", "wbr", "source",
        "track", "embed", "param", "p", "li", "td", "th", "tr", "option", "dt", "dd",
    ];
    let bytes = html.as_bytes();
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        let start = i + offset + 1;
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(bytes.len(), |e| start + e);
        let tag = &html[start..end];
        i = (end + 1).min(bytes.len());
        if tag.starts_with('!') || tag.starts_with('?') || tag.ends_with('/') {
            continue;
        }
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() || NOT_NESTING.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            max = max.max(depth);
        }
        if i >= bytes.len() {
            break;
        }
    }
    max
}

/// Used only when html2text gives up on a document: crude, but never loses the words.
fn strip_tags_fallback(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Plain text for people: no markdown-like markers, no link footnotes, `> ` for quotes and
/// `- ` for list items.
#[derive(Debug, Clone, Copy)]
struct MailDecorator;

impl TextDecorator for MailDecorator {
    type Annotation = ();

    fn decorate_link_start(&mut self, _url: &str) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_link_end(&mut self) -> String {
        String::new()
    }
    fn decorate_em_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_em_end(&self) -> String {
        String::new()
    }
    fn decorate_strong_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_strong_end(&self) -> String {
        String::new()
    }
    fn decorate_strikeout_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_strikeout_end(&self) -> String {
        String::new()
    }
    fn decorate_code_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_code_end(&self) -> String {
        String::new()
    }
    fn decorate_preformat_first(&self) {}
    fn decorate_preformat_cont(&self) {}
    fn decorate_image(&mut self, _src: &str, title: &str) -> (String, ()) {
        (title.to_string(), ())
    }
    fn header_prefix(&self, _level: usize) -> String {
        String::new()
    }
    fn quote_prefix(&self) -> String {
        "> ".to_string()
    }
    fn unordered_item_prefix(&self) -> String {
        "- ".to_string()
    }
    fn ordered_item_prefix(&self, i: i64) -> String {
        format!("{i}. ")
    }
    fn make_subblock_decorator(&self) -> Self {
        MailDecorator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_lines_and_quotes_keep_their_prefix() {
        let html = "<div>Buongiorno,</div><div>il pacco &egrave; <b>rotto</b>.</div>\
                    <blockquote>vecchio<br>testo</blockquote><ul><li>uno</li><li>due</li></ul>";
        let text = html_to_text(html);
        assert_eq!(
            text.lines().filter(|l| !l.is_empty()).collect::<Vec<_>>(),
            [
                "Buongiorno,",
                "il pacco è rotto.",
                "> vecchio",
                "> testo",
                "- uno",
                "- due"
            ]
        );
    }

    #[test]
    fn hostile_nesting_is_stripped_crudely_instead_of_rendered() {
        let nested = format!("{}deep{}", "<div>".repeat(5_000), "</div>".repeat(5_000));
        assert_eq!(nesting_depth(&nested), 5_000);
        assert_eq!(html_to_text(&nested).trim(), "deep");
        let ordinary = "<div><p>a<p>b<br><img src=x><div>c</div></div><!-- <div> -->";
        assert_eq!(nesting_depth(ordinary), 2);
    }

    #[test]
    fn style_and_script_never_reach_the_text() {
        let text = html_to_text("<style>p{color:red}</style><script>x()</script><p>Hi</p>");
        assert_eq!(text.trim(), "Hi");
    }

    #[test]
    fn table_cells_and_links_keep_their_words() {
        let text = html_to_text(
            "<table><tr><td>Order ID:</td><td>305-1234567-1234567</td></tr></table>\
             <p>See <a href=\"https://example.com/x\">tracking</a></p><hr>",
        );
        assert!(text.contains("Order ID:"), "{text}");
        assert!(text.contains("305-1234567-1234567"), "{text}");
        assert!(text.contains("See tracking"), "{text}");
        assert!(!text.contains('─'), "{text}");
    }
}
