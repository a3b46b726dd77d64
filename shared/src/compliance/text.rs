//! Text folding for lexicon matching, with a map back to the original byte offsets.
//!
//! Lexicon phrases must match "Recensione", "RECENSIONE" and "recensióne" alike, across
//! typographic apostrophes and doubled spaces, while every finding still points at the exact
//! original text. Folding lowercases, strips common Latin diacritics (é→e, ü→u, ñ→n), maps
//! typographic apostrophes and dashes to ASCII, collapses whitespace runs, drops combining
//! marks, and remembers for every folded byte which original character produced it.

/// `body` folded for matching, plus the original span behind each folded byte.
pub(crate) struct Folded {
    text: String,
    /// For each byte of `text`: the original `[start, end)` byte span it came from.
    origin: Vec<(usize, usize)>,
}

impl Folded {
    pub(crate) fn new(body: &str) -> Self {
        let mut text = String::with_capacity(body.len());
        let mut origin = Vec::with_capacity(body.len());
        // Folded byte range of the last character emitted, so that a combining mark or a
        // whitespace run can widen its original span instead of emitting anything.
        let mut last: Option<(usize, usize)> = None;
        let mut last_was_space = false;
        for (i, c) in body.char_indices() {
            let end = i + c.len_utf8();
            if c.is_whitespace() {
                if last_was_space {
                    widen(&mut origin, last, end);
                    continue;
                }
                last = Some(push(&mut text, &mut origin, ' ', i, end));
                last_was_space = true;
                continue;
            }
            last_was_space = false;
            if is_combining_mark(c) {
                widen(&mut origin, last, end);
                continue;
            }
            let mut first = None;
            let mut range_end = 0;
            for lc in c.to_lowercase() {
                let (s, e) = push(&mut text, &mut origin, fold_char(lc), i, end);
                first.get_or_insert(s);
                range_end = e;
            }
            last = first.map(|s| (s, range_end));
        }
        Folded { text, origin }
    }

    /// A string folded the same way (for lexicon patterns).
    pub(crate) fn fold(s: &str) -> String {
        Folded::new(s.trim()).text
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The original byte span of the folded byte span `[start, end)` (`start < end`).
    pub(crate) fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        (self.origin[start].0, self.origin[end - 1].1)
    }

    /// True if no letter or digit touches `pos` from the left.
    pub(crate) fn boundary_before(&self, pos: usize) -> bool {
        self.text[..pos]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
    }

    /// True if no letter or digit touches `pos` from the right.
    pub(crate) fn boundary_after(&self, pos: usize) -> bool {
        self.text[pos..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric())
    }

    /// Moves `pos` left to the start of the word it is inside.
    pub(crate) fn word_start(&self, pos: usize) -> usize {
        let mut p = pos;
        for (i, c) in self.text[..pos].char_indices().rev() {
            if !c.is_alphanumeric() {
                break;
            }
            p = i;
        }
        p
    }

    /// Moves `pos` right to the end of the word it is inside.
    pub(crate) fn word_end(&self, pos: usize) -> usize {
        let rest = &self.text[pos..];
        pos + rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len())
    }
}

fn push(
    text: &mut String,
    origin: &mut Vec<(usize, usize)>,
    c: char,
    s: usize,
    e: usize,
) -> (usize, usize) {
    let at = text.len();
    text.push(c);
    origin.resize(text.len(), (s, e));
    (at, text.len())
}

fn widen(origin: &mut [(usize, usize)], last: Option<(usize, usize)>, end: usize) {
    if let Some((s, e)) = last {
        for o in &mut origin[s..e] {
            o.1 = end;
        }
    }
}

fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

/// Diacritics off, typographic punctuation to ASCII. One char in, one char out, so the
/// offset map stays simple.
fn fold_char(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'š' | 'ş' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        'ł' => 'l',
        'ř' => 'r',
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '`' | '\u{00B4}' => '\'',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        other => other,
    }
}

/// Converts a byte offset into `s` to a count of Unicode scalar values (chars).
pub(crate) fn char_offset(s: &str, byte: usize) -> usize {
    s[..byte].chars().count()
}

/// True if `[s1, e1)` and `[s2, e2)` share at least one byte.
pub(crate) fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_lowercases_strips_accents_and_maps_back_to_original_bytes() {
        let body = "Lasci una RECENSIÓNE, grazie";
        let f = Folded::new(body);
        assert_eq!(f.as_str(), "lasci una recensione, grazie");
        let at = f.as_str().find("recensione").unwrap();
        let (s, e) = f.original_span(at, at + "recensione".len());
        assert_eq!(&body[s..e], "RECENSIÓNE");
    }

    #[test]
    fn folding_collapses_whitespace_and_typographic_apostrophes() {
        let body = "bon d\u{2019}achat  \n offert";
        let f = Folded::new(body);
        assert_eq!(f.as_str(), "bon d'achat offert");
        let at = f.as_str().find("offert").unwrap();
        let (s, e) = f.original_span(at, at + 6);
        assert_eq!(&body[s..e], "offert");
    }

    #[test]
    fn combining_marks_are_dropped_but_stay_inside_the_original_span() {
        let body = "rese\u{0301}n\u{0303}a ok"; // decomposed "reséña"
        let f = Folded::new(body);
        assert_eq!(f.as_str(), "resena ok");
        let (s, e) = f.original_span(0, 6);
        assert_eq!(&body[s..e], "rese\u{0301}n\u{0303}a");
    }

    #[test]
    fn word_boundaries_are_unicode_aware() {
        let f = Folded::new("überweisung l'avis x5");
        let avis = f.as_str().find("avis").unwrap();
        assert!(f.boundary_before(avis));
        assert!(!f.boundary_before(avis + 1));
        assert!(f.boundary_after(f.as_str().len()));
        let five = f.as_str().find('5').unwrap();
        assert!(!f.boundary_before(five));
    }

    #[test]
    fn char_offsets_count_scalar_values_not_bytes() {
        assert_eq!(char_offset("é😀a", "é😀".len()), 2);
    }
}
