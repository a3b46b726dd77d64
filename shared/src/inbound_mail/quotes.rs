//! Cleaning a text body down to what the sender wrote this time: no quoted history, no
//! signature delimiter block, no Amazon relay wrapper or footer.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

/// The buyer's own text of `body`: Amazon's wrapper removed, then quoted history, then
/// signature noise, then surplus blank lines.
pub fn clean_body(body: &str) -> String {
    let body = normalise_newlines(body);
    let inner = amazon_message_block(&body).unwrap_or(&body);
    let without_footer = cut_amazon_footer(inner);
    let without_quotes = cut_quoted_history(without_footer);
    let without_signature = cut_signature(&without_quotes);
    tidy(&without_signature)
}

/// `\r\n` and lone `\r` become `\n`; non-breaking spaces become spaces so patterns match.
pub fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\u{a0}', " ")
}

static MESSAGE_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?im)^[ \t>]*-{3,}[ \t]*(?:message|messaggio|nachricht|mensaje|bericht|meddelande|wiadomo\x{15b}\x{107}|mensagem)[ \t]*:?[ \t]*-{3,}[ \t]*$",
    )
    .expect("valid regex")
});

static MESSAGE_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?im)^[ \t>]*-{3,}[ \t]*(?:end(?: of)? message|fine(?: del)? messaggio|ende der nachricht|fin du message|fin del mensaje|einde (?:van het )?bericht|slut p\x{e5} meddelandet|koniec wiadomo\x{15b}ci|fim da mensagem)[ \t]*:?[ \t]*-{3,}[ \t]*$",
    )
    .expect("valid regex")
});

/// The text between Amazon's "------------- Message: -------------" and
/// "------------- End message -------------" markers, when present.
fn amazon_message_block(body: &str) -> Option<&str> {
    let start = MESSAGE_START.find(body)?;
    let rest = &body[start.end()..];
    let end = MESSAGE_END.find(rest).map_or(rest.len(), |m| m.start());
    Some(&rest[..end])
}

/// Lines that open Amazon's footer in a relayed message or notice; everything from the first
/// one on is boilerplate.
static AMAZON_FOOTER: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        // en
        r"(?i)^to respond to this (?:customer|buyer)",
        r"(?i)^was this (?:e-?mail|information) helpful\??",
        r"(?i)^for your information:? to help arbitrate disputes",
        // it
        r"(?i)^per rispondere a (?:questo|quest'|questa) ?(?:cliente|acquirente)",
        r"(?i)^(?:questa|quest')\s?e-?mail (?:ti )?(?:\x{e8}|e') stata utile",
        r"(?i)^a titolo informativo:? per (?:aiutare a )?(?:risolvere|arbitrare) (?:le )?controversie",
        // de
        r"(?i)^um (?:diesem|dem) (?:kunden|k\x{e4}ufer) zu antworten",
        r"(?i)^war diese e-?mail hilfreich",
        r"(?i)^zu ihrer information:? um streitigkeiten",
        // fr
        r"(?i)^pour r\x{e9}pondre \x{e0} (?:ce|cet) (?:client|acheteur)",
        r"(?i)^cet e-?mail vous a-t-il \x{e9}t\x{e9} utile",
        r"(?i)^pour information\s?:? afin d'aider \x{e0} (?:r\x{e9}soudre|arbitrer)",
        // es
        r"(?i)^para responder a (?:este|esta) (?:cliente|comprador)",
        r"(?i)^\x{bf}?(?:te|le) (?:ha )?(?:resultado|result\x{f3}|ha sido|fue) \x{fa}til (?:este|esta) (?:correo|e-?mail|mensaje)",
        r"(?i)^para tu informaci\x{f3}n:? (?:para )?(?:ayudar a )?(?:resolver|arbitrar) (?:las )?disputas",
        // any language
        r"(?i)^(?:copyright|\x{a9})\s*(?:\x{a9}\s*)?(?:\d{4}(?:-\d{4})?\s*,?\s*)?amazon\.",
    ])
    .expect("valid regexes")
});

fn cut_amazon_footer(text: &str) -> &str {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if AMAZON_FOOTER.is_match(line.trim()) {
            return &text[..offset];
        }
        offset += line.len();
    }
    text
}

/// "On … wrote:" in the languages we serve. Each must be a whole (possibly re-joined) line.
static ATTRIBUTION: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)^on\b.{4,}\bwrote\s*:$",
        r"(?i)^il\b.{4,}\bha scritto\s*:$",
        r"(?i)^am\b.{4,}\bschrieb\b.*:$",
        r"(?i)^.{4,}\bschrieb am\b.*:$",
        r"(?i)^le\b.{4,}\ba \x{e9}crit\s*:$",
        r"(?i)^el\b.{4,}\bescribi\x{f3}\s*:$",
        r"(?i)^op\b.{4,}\bschreef\b.*:$",
        r"(?i)^den\b.{4,}\bskrev\b.*:$",
        r"(?i)^w dniu\b.{4,}\bnapisa\x{142}(?:\(a\)|a)?\s*:$",
        r"(?i)^em\b.{4,}\bescreveu\s*:$",
    ])
    .expect("valid regexes")
});

/// Lines that start a forwarded or quoted original on their own.
static SEPARATOR: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)^-{2,}\s*(?:original message|messaggio originale|urspr\x{fc}ngliche nachricht|message d'origine|message original|mensaje original|oorspronkelijk bericht|originalmeddelande|oryginalna wiadomo\x{15b}\x{107}|mensagem original)\s*-{2,}$",
        r"(?i)^-{2,}\s*(?:forwarded message|messaggio inoltrato|weitergeleitete nachricht|message transf\x{e9}r\x{e9}|mensaje reenviado)\s*-{2,}$",
        r"^_{20,}$",
    ])
    .expect("valid regexes")
});

/// Header lines of an Outlook-style quoted original ("From:", "Da:", "Von:", "De :"…).
static QUOTED_FROM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\*?(?:from|da|von|de|van|fr\x{e5}n|od)\s?:\*?\s*\S").expect("valid regex")
});
static QUOTED_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\*?(?:sent|date|to|cc|subject|inviato|data|a|oggetto|gesendet|datum|an|betreff|envoy\x{e9}|\x{e0}|objet|enviado|fecha|para|asunto|verzonden|aan|onderwerp|skickat|till|\x{e4}mne|wys\x{142}ano|do|temat)\s?:\*?(?:\s|$)",
    )
    .expect("valid regex")
});

/// Cuts `text` at the first line that opens quoted history and drops `>`-quoted lines that
/// remain (inline replies keep the sender's own lines between them).
pub fn cut_quoted_history(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let cut = quote_start(&lines).unwrap_or(lines.len());
    let kept: Vec<&str> = lines[..cut]
        .iter()
        .copied()
        .filter(|l| !l.trim_start().starts_with('>'))
        .collect();
    kept.join("\n")
}

fn quote_start(lines: &[&str]) -> Option<usize> {
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if ATTRIBUTION.is_match(line) || SEPARATOR.is_match(line) {
            return Some(i);
        }
        // Mail clients wrap long attributions: "On Mon, 3 Nov 2026 at 10:12, Shop <" + "x> wrote:".
        for extra in 1..=2 {
            if i + extra >= lines.len() {
                break;
            }
            let joined = lines[i..=i + extra]
                .iter()
                .map(|l| l.trim())
                .collect::<Vec<_>>()
                .join(" ");
            if ATTRIBUTION.is_match(&joined) && starts_attribution(line) {
                return Some(i);
            }
        }
        if QUOTED_FROM.is_match(line) && outlook_block_follows(&lines[i + 1..]) {
            return Some(i);
        }
    }
    None
}

fn starts_attribution(line: &str) -> bool {
    static START: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^(?:on|il|am|le|el|op|den|w dniu|em)\s").expect("valid regex")
    });
    START.is_match(line)
}

/// Two more header lines ("Sent:", "To:", "Subject:"…) within the next few lines make a "From:"
/// line the start of a quoted original rather than a sentence of the sender's.
fn outlook_block_follows(rest: &[&str]) -> bool {
    rest.iter()
        .take(5)
        .filter(|l| QUOTED_HEADER.is_match(l.trim()))
        .count()
        >= 2
}

/// Sign-offs that mail apps append ("Sent from my iPhone"); removed only as the last line, and
/// only when they name a device or app, so a buyer's last sentence ("Inviato da Poste ieri…")
/// stays.
static DEVICE_SIGNATURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:sent from|sent with|get|inviato da|inviato dal|von meinem|gesendet (?:von|mit)|envoy\x{e9} (?:de|depuis)|enviado (?:desde|con)|verzonden (?:met|vanaf)|skickat fr\x{e5}n|wys\x{142}ane z)\b.{0,30}\b(?:iphone|ipad|android|samsung|galaxy|outlook|huawei|xiaomi|pixel|smartphone|handy|cellulare|mobile|yahoo|gmail|mail)\b.{0,20}$",
    )
    .expect("valid regex")
});

/// Drops everything after the standard "-- " signature delimiter, then a trailing
/// "Sent from my iPhone"-style line.
fn cut_signature(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    if let Some(pos) = lines.iter().position(|l| *l == "-- " || *l == "--") {
        lines.truncate(pos);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    if lines
        .last()
        .is_some_and(|l| DEVICE_SIGNATURE.is_match(l.trim()))
    {
        lines.pop();
    }
    lines.join("\n")
}

/// Trims trailing spaces, leading/trailing blank lines, and runs of blank lines to one.
pub fn tidy(text: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut blank = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push("");
            blank = false;
        }
        out.push(line);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amazon_wrapper_keeps_only_the_message_block() {
        let body = "Order ID: 405-1234567-1234567\n\n------------- Messaggio: -------------\n\nCiao, dov'è il pacco?\n\n------------- Fine messaggio -------------\n\nPer rispondere a questo cliente, rispondi a questa e-mail.\n";
        assert_eq!(clean_body(body), "Ciao, dov'è il pacco?");
    }

    #[test]
    fn amazon_footer_is_cut_without_markers() {
        let body = "Hello, is this in stock?\n\nTo respond to this customer, please reply to this e-mail.\nCopyright 2026 Amazon.com, Inc.";
        assert_eq!(clean_body(body), "Hello, is this in stock?");
    }

    #[test]
    fn wrapped_english_attribution_starts_the_quote() {
        let body = "Thanks!\n\nOn Mon, 3 Nov 2026 at 10:12, Acme Store <\nsupport@example.com> wrote:\n> Your parcel left today.";
        assert_eq!(clean_body(body), "Thanks!");
    }

    #[test]
    fn each_language_attribution_starts_the_quote() {
        for attribution in [
            "Il giorno lun 3 nov 2026 alle ore 10:12 Negozio <a@example.com> ha scritto:",
            "Am 03.11.2026 um 10:12 schrieb Laden <a@example.com>:",
            "Le lun. 3 nov. 2026 à 10:12, Boutique <a@example.com> a écrit :",
            "El lun, 3 nov 2026 a las 10:12, Tienda (<a@example.com>) escribió:",
        ] {
            let body = format!("Mein Text.\n\n{attribution}\nquoted line\n> more");
            assert_eq!(clean_body(&body), "Mein Text.", "{attribution}");
        }
    }

    #[test]
    fn outlook_header_block_needs_two_header_lines() {
        let quoted = "Grazie.\n\nDa: Negozio <a@example.com>\nInviato: lunedì 3 novembre 2026 10:12\nA: Mario\nOggetto: Spedizione\n\ntesto vecchio";
        assert_eq!(clean_body(quoted), "Grazie.");
        let sentence = "Da: Milano arriva tutto in ritardo.\nA: nessuno interessa?";
        assert_eq!(clean_body(sentence), sentence);
    }

    #[test]
    fn inline_quoted_lines_are_dropped_but_replies_between_them_stay() {
        let body = "> Which colour?\nBlue please.\n> Which size?\nM.";
        assert_eq!(clean_body(body), "Blue please.\nM.");
    }

    #[test]
    fn signature_delimiter_and_device_sign_off_are_removed() {
        assert_eq!(clean_body("Hallo\n\nVon meinem iPhone gesendet"), "Hallo");
        assert_eq!(clean_body("Hi\n-- \nJane Doe\nACME Ltd"), "Hi");
    }
}
